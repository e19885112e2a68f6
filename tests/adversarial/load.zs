# The load of tests/adversarial/test_kill9.py: every node busy while one after
# the other is killed with SIGKILL and started again.
#
# worker-1 and worker-2 write their own keys ("w1-N", "w2-N") to an
# &backend=Broker::SQLITE table in $STORE_DIR, one every 5 ms, log a row per
# write to the "load" stream (to the logger) and publish it to a proxy
# (HRW).  They print "wrote K" for each key, and "done writing" after key
# $TOTAL-1.  A worker started again goes on from its own number of keys in
# the table.  The manager prints "manager has N" when its table grows; each
# proxy counts what reaches it; every node prints "final ..." in zeek_done.

@load base/frameworks/broker

module Load;

export {
	redef enum Log::ID += { LOG };

	type Info: record {
		node: string &log;
		key: string &log;
	};

	global seen: event(node: string, key: string);
}

redef Broker::table_store_db_directory = getenv("STORE_DIR");
redef exit_only_after_terminate = T;

global t: table[string] of count &backend=Broker::SQLITE;
global shown = 0;
global received = 0;
global prefix = "";
global next_n = 0;
global total = to_count(getenv("TOTAL"));

event Load::seen(node: string, key: string)
	{
	++received;
	}

event write()
	{
	if ( next_n >= total )
		{
		print "done writing";
		return;
		}

	local key = fmt("%s%d", prefix, next_n);
	t[key] = next_n;
	Log::write(LOG, Info($node=Cluster::node, $key=key));
	Cluster::publish_hrw(Cluster::proxy_pool, key, Load::seen, Cluster::node, key);
	print fmt("wrote %s", key);
	++next_n;
	schedule 5 msec { write() };
	}

event start_writing()
	{
	# Go on from what the table holds (the master's data, after a restart).
	for ( k in t )
		if ( starts_with(k, prefix) )
			++next_n;

	event write();
	}

event show()
	{
	if ( |t| != shown )
		{
		shown = |t|;
		print fmt("manager has %d", shown);
		}

	schedule 100 msec { show() };
	}

event zeek_init()
	{
	Log::create_stream(LOG, Log::Stream($columns=Info, $path="load"));

	if ( Cluster::local_node_type() == Cluster::MANAGER )
		event show();
	}

event Cluster::node_up(name: string, id: string)
	{
	if ( Cluster::local_node_type() != Cluster::WORKER || name != "manager" || prefix != "" )
		return;

	prefix = Cluster::node == "worker-1" ? "w1-" : "w2-";
	# Give the table a moment to take the master's snapshot.
	schedule 500 msec { start_writing() };
	}

event zeek_done()
	{
	print fmt("final %s table %d received %d", Cluster::node, |t|, received);
	}
