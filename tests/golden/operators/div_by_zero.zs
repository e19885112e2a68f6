# Integer division by zero is a runtime error that aborts only the current handler.
event compute(a: count, b: count)
	{
	print "computing", a, b;
	print a / b;
	print "not reached when b is 0";
	}

event zeek_init()
	{
	event compute(6, 0);
	event compute(6, 3);
	}

event zeek_init() &priority=-10
	{
	local zero = 0.0;
	print "double", 1.5 / zero;
	}

event zeek_done()
	{
	print "done";
	}
