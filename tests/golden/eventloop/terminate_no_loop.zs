# terminate() without timers or exit_only_after_terminate: returns T, but the run loop never runs (no signal message).
event zeek_init()
	{
	print terminate(), zeek_is_terminating();
	}

event zeek_done()
	{
	print "zeek_done", zeek_is_terminating();
	}
