# Using a local that was declared but never assigned is a runtime error.
event use(flag: bool)
	{
	local x: count;
	if ( flag )
		x = 5;
	print x + 1;
	}

event zeek_init()
	{
	event use(F);
	event use(T);
	}
