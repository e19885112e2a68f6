# An &expire_func that clears its table: the other expired entries are gone
# and their expiration is not run.
redef exit_only_after_terminate = T;
redef table_expire_interval = 1 sec;
global expire: function(t: table[count] of count, i: count): interval;
global mt: table[count] of count &create_expire=1 sec &expire_func=expire;

function expire(t: table[count] of count, i: count): interval
	{
	print "expire", |t|;
	clear_table(t);
	terminate();
	return 0 secs;
	}

event zeek_init()
	{
	mt[0] = 0;
	mt[1] = 1;
	mt[2] = 2;
	}
