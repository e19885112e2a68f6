# An &backend=Broker::MEMORY table shared by a manager and two workers;
# used by tests/test_storage_cluster.py.
#
# Once a worker sees the manager and the other worker up, it writes the
# same ten keys as the other worker, with its own values, in rounds of 100
# writes every 10 ms, then tells the manager.  worker-1 also writes a key
# of its own, which worker-2 reports when it arrives.  A second after both
# workers are done, the manager prints its table and has the workers
# print theirs.

@load base/frameworks/broker

module Test;

export {
	global done: event(node: string);
	global dump: event();
}

const rounds = 40;
const per_round = 100;
const nkeys = 10;

# On the manager: how often the writer of the updates it applies changes
# (the workers' writes interleave).
global last_writer = 0;
global switches = 0;

function changed(tbl: table[string] of count, tpe: TableChange, k: string, v: count)
	{
	if ( k == "only-w1" )
		{
		if ( Cluster::node == "worker-2" )
			print fmt("worker-2 saw only-w1 %d", tbl[k]);
		return;
		}

	if ( Cluster::local_node_type() != Cluster::MANAGER || k !in tbl )
		return;

	local writer = tbl[k] / 1000000;

	if ( writer != last_writer )
		{
		if ( last_writer != 0 )
			++switches;

		last_writer = writer;
		}
	}

global t: table[string] of count &backend=Broker::MEMORY &on_change=changed;

global up: set[string];
global finished = 0;

event write_round(i: count)
	{
	local base = Cluster::node == "worker-1" ? 1000000 : 2000000;
	local j = 0;

	while ( j < per_round )
		{
		local n = i * per_round + j;
		t[fmt("k%d", n % nkeys)] = base + n;
		++j;
		}

	if ( i + 1 < rounds )
		{
		schedule 10msec { write_round(i + 1) };
		return;
		}

	if ( Cluster::node == "worker-1" )
		t["only-w1"] = 42;

	print "writes done";
	Cluster::publish(Cluster::manager_topic, done, Cluster::node);
	}

event Cluster::node_up(name: string, id: string)
	{
	if ( Cluster::local_node_type() != Cluster::WORKER )
		return;

	add up[name];

	if ( |up| == 2 )
		event write_round(0);
	}

function print_table()
	{
	print fmt("table size %d", |t|);

	for ( k, v in t )
		print fmt("entry %s %d", k, v);

	print "table end";
	}

event Test::dump()
	{
	if ( Cluster::local_node_type() == Cluster::MANAGER )
		{
		Cluster::publish(Cluster::worker_topic, dump);
		print fmt("writer switches %d", switches);
		}

	print_table();
	}

event Test::done(node: string)
	{
	finished += 1;

	if ( finished == 2 )
		schedule 1sec { dump() };
	}
