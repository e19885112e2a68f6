# network_time() is set before zeek_init and advances with timers while the loop waits.
redef exit_only_after_terminate = T;

global t0: time;

event step()
	{
	print network_time() - t0;
	terminate();
	}

event zeek_init()
	{
	t0 = network_time();
	print t0 > double_to_time(0.0), type_name(t0);
	schedule 90 secs { step() };
	}
