# An &backend=Broker::SQLITE table across a whole-cluster restart; used by
# tests/test_storage_cluster.py.
#
# The file lives in $STORE_DIR.  With PHASE=write the manager writes one key
# in zeek_init and each worker one once it sees the manager; with
# PHASE=read nobody writes.  Each node prints its table once it holds the
# three keys.

@load base/frameworks/broker

redef Broker::table_store_db_directory = getenv("STORE_DIR");

global t: table[string] of count &backend=Broker::SQLITE;

event check()
	{
	if ( |t| < 3 )
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
		{
		print fmt("manager starts with %d entries", |t|);

		if ( getenv("PHASE") == "write" )
			t["manager"] = 1;
		}

	event check();
	}

event Cluster::node_up(name: string, id: string)
	{
	if ( getenv("PHASE") == "write" && name == "manager" )
		t[Cluster::node] = Cluster::node == "worker-1" ? 11 : 22;
	}
