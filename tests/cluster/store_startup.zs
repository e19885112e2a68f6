# Start-up order for &backend tables; used by tests/test_storage_cluster.py.
#
# The test starts worker-1 before the manager: its write in zeek_init is
# made before the master is reachable, and must still reach it.  Each node
# prints its table once it holds both the worker's and the manager's write.

@load base/frameworks/broker

global t: table[string] of count &backend=Broker::MEMORY;

event check()
	{
	if ( |t| < 2 )
		{
		schedule 50msec { check() };
		return;
		}

	for ( k, v in t )
		print fmt("entry %s %d", k, v);

	print "table end";
	}

event zeek_init()
	{
	if ( Cluster::local_node_type() == Cluster::MANAGER )
		t["from-manager"] = 1;
	else
		t["early-" + Cluster::node] = 2;

	event check();
	}
