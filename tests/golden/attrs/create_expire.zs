# &create_expire removes entries a fixed time after insertion; &expire_func sees each one.
redef table_expire_interval = 1 sec;
redef exit_only_after_terminate = T;

function gone(t: table[string] of count, k: string): interval
	{
	print "expired", k, t[k];
	return 0 secs;
	}

global cache: table[string] of count &create_expire=3 secs &expire_func=gone;

event check(tag: string)
	{
	print tag, |cache|;
	}

event stop()
	{
	terminate();
	}

event zeek_init()
	{
	cache["a"] = 1;
	cache["b"] = 2;
	schedule 1 sec { check("after 1s") };
	schedule 10 secs { check("after 10s") };
	schedule 11 secs { stop() };
	}
