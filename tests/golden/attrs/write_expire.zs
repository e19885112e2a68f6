# &write_expire counts from the last write; reads do not extend the lifetime.
redef table_expire_interval = 1 sec;
redef exit_only_after_terminate = T;

function bye(s: set[string], k: string): interval
	{
	print "expired", k;
	return 0 secs;
	}

global recent: set[string] &write_expire=3 secs &expire_func=bye;

event poke()
	{
	print "x" in recent;
	add recent["y"];
	}

event stop()
	{
	print |recent|;
	terminate();
	}

event zeek_init()
	{
	add recent["x"];
	schedule 2 secs { poke() };
	schedule 10 secs { stop() };
	}
