# A failing assert in a handler reports the condition and message; later events still run.
event check(n: count)
	{
	assert n < 2, fmt("n is %d", n);
	print "ok", n;
	}

event zeek_init()
	{
	event check(1);
	event check(5);
	event check(0);
	}
