# An &expire_func returning a positive interval postpones expiration of that entry.
redef table_expire_interval = 1 sec;
redef exit_only_after_terminate = T;

global extended = 0;

function maybe_keep(t: table[count] of string, k: count): interval
	{
	if ( extended < 2 )
		{
		++extended;
		print "extending", k, extended;
		return 2 secs;
		}
	print "letting go", k;
	return 0 secs;
	}

global t: table[count] of string &create_expire=2 secs &expire_func=maybe_keep;

event stop()
	{
	print |t|;
	terminate();
	}

event zeek_init()
	{
	t[1] = "one";
	schedule 20 secs { stop() };
	}
