# &read_expire keeps entries alive as long as they are read often enough.
redef table_expire_interval = 1 sec;
redef exit_only_after_terminate = T;

global sessions: table[string] of count &read_expire=5 secs &expire_func=function(t: table[string] of count, k: string): interval
	{
	print "expired", k;
	return 0 secs;
	};

event touch(k: string)
	{
	print "touch", k, sessions[k];
	}

event stop()
	{
	print "remaining", sessions;
	terminate();
	}

event zeek_init()
	{
	sessions["busy"] = 1;
	sessions["idle"] = 2;
	schedule 2 secs { touch("busy") };
	schedule 4 secs { touch("busy") };
	schedule 7 secs { touch("busy") };
	schedule 8 secs { stop() };
	}
