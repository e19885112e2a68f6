# The event statement queues an event; handlers run after the current handler finishes.
global ev: event(n: count);

event ev(n: count)
	{
	print "handling", n;
	if ( n < 3 )
		event ev(n + 1);
	print "handled", n;
	}

event zeek_init()
	{
	event ev(1);
	print "queued";
	}
