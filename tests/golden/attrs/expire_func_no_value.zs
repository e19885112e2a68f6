# An &expire_func that ends without returning an interval: a warning, and
# the entry expires (as if it had returned 0 secs).
redef table_expire_interval = 1 sec;
redef exit_only_after_terminate = T;

function bye(s: set[string], k: string): interval
	{
	print "expired", k;
	}

global recent: set[string] &write_expire=2 secs &expire_func=bye;

event stop()
	{
	print |recent|;
	terminate();
	}

event zeek_init()
	{
	add recent["x"];
	schedule 6 secs { stop() };
	}
