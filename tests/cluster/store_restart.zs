# A manager restart under a running worker; used by tests/test_storage_cluster.py.
#
# The manager writes one key in zeek_init (its value is $RUN), the worker
# another.  A restarted manager is a new master (Broker::MEMORY: it starts
# empty), and the worker converges to its data: the worker's first key is
# gone.  The worker learns that the old manager is gone (Cluster::node_down,
# when its connection to the central proxy breaks); it then waits for the
# new master's data and writes a third key, which reaches the new master.

@load base/frameworks/broker

global t: table[string] of count &backend=Broker::MEMORY;

function show()
	{
	for ( k, v in t )
		print fmt("entry %s %d", k, v);

	print "table end";
	}

event wait_for_start()
	{
	if ( |t| < 2 )
		schedule 50msec { wait_for_start() };
	else
		show();
	}

event wait_for_restart()
	{
	if ( "early-worker-1" in t || "from-manager" !in t || t["from-manager"] != 2 )
		{
		schedule 50msec { wait_for_restart() };
		return;
		}

	print fmt("converged to %d entries", |t|);
	t["after-restart"] = 3;
	show();
	}

event zeek_init()
	{
	if ( Cluster::local_node_type() == Cluster::MANAGER )
		t["from-manager"] = to_count(getenv("RUN"));
	else
		t["early-worker-1"] = 2;

	event wait_for_start();
	}

event Cluster::node_down(name: string, id: string)
	{
	if ( name == "manager" )
		event wait_for_restart();
	}
