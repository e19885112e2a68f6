# A cluster over three hosts; used by tests/test_cluster_hosts_netns.py.
#
# Every node prints node_up and node_down with the wall-clock time, so the
# test can tell how long a loss took to notice.  Whenever the manager sees
# all four other nodes up it starts a round (one second later): it sends
# ten keys over HRW to the worker pool; each worker prints what it gets and
# logs it (the logger on host A writes hosts.log).  Each worker also writes
# a key of its own to an &backend table once it sees the manager, and every
# node prints the keys it sees arrive there.

@load base/frameworks/broker

module Test;

export {
	redef enum Log::ID += { LOG };

	type Info: record {
		node: string &log;
		key: string &log;
	};

	global hrw: event(key: string);
}

function changed(tbl: table[string] of count, tpe: TableChange, k: string, v: count)
	{
	print fmt("table %s", k);
	}

global t: table[string] of count &backend=Broker::MEMORY &on_change=changed;

global up: set[string];
global rounds = 0;

event zeek_init()
	{
	Log::create_stream(LOG, Log::Stream($columns=Info, $path="hosts"));
	}

event round()
	{
	if ( |up| < 4 )
		return;

	++rounds;
	local i = 0;

	while ( i < 10 )
		{
		local key = fmt("r%d-k%d", rounds, i);
		Cluster::publish_hrw(Cluster::worker_pool, key, hrw, key);
		++i;
		}

	print fmt("round %d sent", rounds);
	}

event Test::hrw(key: string)
	{
	print fmt("hrw %s", key);
	Log::write(LOG, Info($node=Cluster::node, $key=key));
	}

event write_key()
	{
	t[fmt("from-%s", Cluster::node)] = 1;
	}

event Cluster::node_up(name: string, id: string)
	{
	print fmt("node_up %s %.3f", name, time_to_double(current_time()));
	add up[name];

	if ( Cluster::local_node_type() == Cluster::MANAGER && |up| == 4 )
		schedule 1sec { round() };

	if ( Cluster::local_node_type() == Cluster::WORKER && name == "manager" )
		schedule 1sec { write_key() };
	}

event Cluster::node_down(name: string, id: string)
	{
	print fmt("node_down %s %.3f", name, time_to_double(current_time()));
	delete up[name];
	}
