# Reading past the end of a vector is a runtime error.
event read(v: vector of count, i: count)
	{
	print v[i];
	}

event zeek_init()
	{
	local v = vector(1, 2, 3);
	event read(v, 5);
	event read(v, 2);
	}
