# @check
# zscript check prints nothing for a valid script and does not run any handler.
global counter = 0;

event bump()
	{
	++counter;
	}

event zeek_init()
	{
	print "not printed by check";
	event bump();
	}
