# Events raised during zeek_done are still dispatched before the process exits.
event late()
	{
	print "late event ran";
	}

event zeek_done()
	{
	print "zeek_done";
	event late();
	}
