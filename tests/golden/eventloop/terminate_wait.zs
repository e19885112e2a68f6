# With exit_only_after_terminate, the loop keeps running timers until terminate() is called.
redef exit_only_after_terminate = T;

global start: time;

event tick(n: count)
	{
	print "tick", n, network_time() - start;
	if ( n == 3 )
		terminate();
	else
		schedule 2 secs { tick(n + 1) };
	}

event zeek_init()
	{
	start = network_time();
	schedule 2 secs { tick(1) };
	}

event zeek_done()
	{
	print "zeek_done", network_time() - start;
	}
