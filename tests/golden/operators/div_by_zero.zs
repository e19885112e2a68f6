# Division by zero (count or double) is a runtime error that aborts only the current handler.
event compute(a: count, b: count)
	{
	print "computing", a, b;
	print a / b;
	print "not reached when b is 0";
	}

event compute_double(x: double, y: double)
	{
	print "double", x / y;
	}

event zeek_init()
	{
	event compute(6, 0);
	event compute_double(1.5, 0.0);
	event compute(6, 3);
	}

event zeek_done()
	{
	print "done";
	}
