# @check
# An event raised with no handler anywhere gets a warning without a hint; handled events get none.
global tick: event();
global tock: event();

event tock()
	{
	print "tock";
	}

event zeek_init()
	{
	event tick();
	event tock();
	}
