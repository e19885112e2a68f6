# At shutdown a pending when-timeout block runs at once, while expired scheduled events are only queued and run after it.
global flag = F;

event ev(tag: string)
	{
	print "event", tag;
	}

event zeek_init()
	{
	when ( flag )
		{
		print "condition held";
		}
	timeout 1 min
		{
		print "when timeout";
		}
	schedule 10 secs { ev("10s") };
	schedule 2 min { ev("2min") };
	}

event zeek_done()
	{
	print "zeek_done";
	}
