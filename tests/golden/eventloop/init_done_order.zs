# Top-level statements run first, then zeek_init handlers, queued events, and zeek_done last.
event work()
	{
	print "work";
	}

event zeek_done()
	{
	print "zeek_done";
	}

event zeek_init()
	{
	print "zeek_init";
	event work();
	}

print "top-level statement";
