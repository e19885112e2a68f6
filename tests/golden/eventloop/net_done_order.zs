# net_done runs when processing ends, before the remaining scheduled events and zeek_done.
event tick()
	{
	print "scheduled tick";
	}

event net_done(t: time)
	{
	print "net_done", type_name(t);
	}

event zeek_init()
	{
	schedule 5 secs { tick() };
	print "zeek_init";
	}

event zeek_done()
	{
	print "zeek_done";
	}
