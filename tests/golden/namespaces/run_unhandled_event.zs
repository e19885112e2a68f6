# Raising Other::ping when only a global ping handler exists runs nothing for that raise.
module Other;

event ping()
	{
	print "global ping handler ran";
	}

event zeek_init()
	{
	event ping();
	event Other::ping();
	}
