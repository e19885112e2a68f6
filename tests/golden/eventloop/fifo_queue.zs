# Events are dispatched first-in first-out, including events raised by handlers.
event e(name: string, depth: count)
	{
	print name;
	if ( depth > 0 )
		event e(name + "'", depth - 1);
	}

event zeek_init()
	{
	event e("a", 1);
	event e("b", 1);
	event e("c", 0);
	}
