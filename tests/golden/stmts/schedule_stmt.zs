# schedule runs an event after an interval; under virtual time the delay elapses instantly.
global start: time;

event later(tag: string)
	{
	print tag, network_time() - start;
	}

event zeek_init()
	{
	start = network_time();
	schedule 10 secs { later("ten") };
	schedule 1 sec { later("one") };
	schedule 5 min { later("five min") };
	print "scheduled";
	}
