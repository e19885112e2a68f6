# After terminate(), the remaining scheduled events still run (at shutdown) before zeek_done.
redef exit_only_after_terminate = T;

event later(tag: string)
	{
	print "later", tag;
	}

event stop()
	{
	print "stopping", terminate();
	}

event zeek_init()
	{
	schedule 1 sec { stop() };
	schedule 1 hr { later("one hour") };
	schedule 1 min { later("one minute") };
	}

event zeek_done()
	{
	print "zeek_done";
	}
