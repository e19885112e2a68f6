# terminate() returns T the first time and F once termination is under way; zeek_done sees zeek_is_terminating().
redef exit_only_after_terminate = T;

event stop()
	{
	print "terminate:", terminate(), zeek_is_terminating();
	}

event zeek_init()
	{
	print "terminating at start:", zeek_is_terminating();
	schedule 1 sec { stop() };
	}

event zeek_done()
	{
	print "zeek_done", zeek_is_terminating(), terminate();
	}
