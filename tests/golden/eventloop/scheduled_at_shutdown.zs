# Without exit_only_after_terminate, pending scheduled events run at shutdown in time order, before zeek_done.
event tick(n: count)
	{
	print "tick", n;
	}

event zeek_init()
	{
	schedule 30 secs { tick(3) };
	schedule 1 sec { tick(1) };
	schedule 10 secs { tick(2) };
	print "init done";
	}

event zeek_done()
	{
	print "zeek_done";
	}
