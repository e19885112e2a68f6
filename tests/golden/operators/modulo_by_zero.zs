# Modulo by zero on ints is a runtime error ("modulo by zero"); the next event still runs.
event step(i: int)
	{
	print 10 % i;
	}

event zeek_init()
	{
	event step(3);
	event step(0);
	event step(-4);
	}
