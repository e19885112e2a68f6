# Scheduled events can reschedule themselves; each timer fires at its own time.
redef exit_only_after_terminate = T;

global start: time;
global fired: vector of string;

event pulse(n: count)
	{
	fired += fmt("%d@%s", n, network_time() - start);
	if ( n < 4 )
		schedule n * 1 sec { pulse(n + 1) };
	else
		terminate();
	}

event zeek_init()
	{
	start = network_time();
	event pulse(1);
	}

event zeek_done()
	{
	print fired;
	}
