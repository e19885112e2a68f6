# Writes made while the manager is down; used by tests/test_storage_cluster.py.
#
# The worker writes "before" while the manager is up.  When the manager is
# killed the worker sees Cluster::node_down (its connection to the central
# proxy broke) and writes "while-down"; the copy keeps that write until the
# master is reachable again.  The restarted manager (Broker::MEMORY: an
# empty master) receives it, and both nodes print the table once they hold
# "while-down" and the manager's own key of its second run.

@load base/frameworks/broker

global t: table[string] of count &backend=Broker::MEMORY;

function show()
	{
	for ( k, v in t )
		print fmt("entry %s %d", k, v);

	print "table end";
	}

event wait_for_key(k: string)
	{
	if ( k !in t || "second-run" !in t )
		schedule 50msec { wait_for_key(k) };
	else
		show();
	}

event announce(k: string)
	{
	if ( k in t )
		print fmt("has %s", k);
	else
		schedule 50msec { announce(k) };
	}

event zeek_init()
	{
	if ( Cluster::local_node_type() == Cluster::MANAGER )
		{
		if ( getenv("RUN") == "2" )
			{
			t["second-run"] = 2;
			event wait_for_key("while-down");
			}
		else
			event announce("before");
		}
	else
		t["before"] = 1;
	}

event Cluster::node_down(name: string, id: string)
	{
	if ( name != "manager" )
		return;

	t["while-down"] = 3;
	print "wrote while the manager is down";
	event wait_for_key("while-down");
	}
