# terminate() only returns F once shutdown has begun; calling it twice in one handler returns T both times.
redef exit_only_after_terminate = T;

event stop()
	{
	print terminate(), terminate(), zeek_is_terminating();
	}

event zeek_init()
	{
	schedule 1 sec { stop() };
	}

event zeek_done()
	{
	print "zeek_done", terminate();
	}
