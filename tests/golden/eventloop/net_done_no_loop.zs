# With no timers pending and no exit_only_after_terminate, Zeek never enters its run loop: no net_done event.
# The frameworks loaded in bare mode create log streams, whose flush timer would be pending: no auto-flush here.
redef Log::flush_interval = 0secs;

event net_done(t: time)
	{
	print "net_done";
	}

event zeek_init()
	{
	print "zeek_init";
	}

event zeek_done()
	{
	print "zeek_done";
	}
