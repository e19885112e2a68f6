# Two workers write 500k keys each into an &backend table (a quarter
# million of them the same keys, with different values), with the cluster's
# default queue limits; used by tests/test_storage_cluster.py.
#
# Each worker writes in rounds of per_round keys, one event each, as fast
# as its loop runs.  A round later it tells the manager it is done (store
# messages and events leave a node in order, so the done event comes after
# the writes).  Once both are done the manager prints the size and a
# checksum of its table and has the workers print theirs.  A worker started
# late (worker-3) prints its own once it holds as many keys.  Every node
# prints the Broker::store_resync events it saw.

@load base/frameworks/broker

module Test;

export {
	const per_worker: count = 500000 &redef;
	const per_round: count = 10000 &redef;
	global done: event(node: string);
	global dump: event();
}

global t: table[count] of count &backend=Broker::MEMORY;

global up: set[string];
global finished = 0;
global total = 0;

function checksum(): count
	{
	local s = 0;

	for ( k, v in t )
		s = (s + k * 7 + v) % 1000000007;

	return s;
	}

function show(what: string)
	{
	print fmt("%s size %d sum %d", what, |t|, checksum());
	}

event Broker::store_resync(store_name: string, reason: string)
	{
	print fmt("resync %s %s", store_name, reason);
	}

event write_round(i: count)
	{
	if ( i * per_round >= per_worker )
		{
		print "writes done";
		Cluster::publish(Cluster::manager_topic, done, Cluster::node);
		return;
		}

	local w = Cluster::node == "worker-1" ? 1 : 2;
	# worker-2's keys start halfway through worker-1's.
	local first = w == 1 ? 0 : per_worker / 2;
	local j = i * per_round;
	local end = j + per_round;

	while ( j < end )
		{
		t[first + j] = j * 10 + w;
		++j;
		}

	event write_round(i + 1);
	}

event Cluster::node_up(name: string, id: string)
	{
	if ( Cluster::local_node_type() != Cluster::WORKER || Cluster::node == "worker-3" )
		return;

	add up[name];

	if ( "manager" in up && ("worker-1" in up || "worker-2" in up) && |up| == 2 )
		event write_round(0);
	}

event Test::dump()
	{
	if ( Cluster::local_node_type() == Cluster::MANAGER )
		Cluster::publish(Cluster::worker_topic, dump);

	if ( Cluster::node != "worker-3" )
		show("final");
	}

event Test::done(node: string)
	{
	if ( ++finished == 2 )
		event dump();
	}

event poll()
	{
	if ( |t| >= per_worker * 3 / 2 )
		{
		show("synced");
		return;
		}

	schedule 50msec { poll() };
	}

event zeek_init()
	{
	if ( Cluster::node == "worker-3" )
		event poll();
	}
