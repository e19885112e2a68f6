# An event can have several handler bodies; they run in &priority order, all for each raise.
global note: event(msg: string);

event note(msg: string) &priority=-5
	{
	print "low", msg;
	}

event note(msg: string) &priority=5
	{
	print "high", msg;
	}

event note(msg: string)
	{
	print "default", msg;
	}

event zeek_init()
	{
	event note("a");
	event note("b");
	}
