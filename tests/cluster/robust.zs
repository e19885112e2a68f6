# A node that receives junk; used by tests/test_cluster.py.
#
# The manager subscribes to zscript.test.robust. and prints every
# Test::probe it gets.  A worker started later sends one probe the ordinary
# way once the manager is up.

module Test;

export {
	global probe: event(n: count, s: string);
}

event probe(n: count, s: string)
	{
	print fmt("probe %d %s", n, s);
	}

event zeek_init()
	{
	if ( Cluster::local_node_type() == Cluster::MANAGER )
		Cluster::subscribe("zscript.test.robust.");
	}

event Cluster::node_up(name: string, id: string)
	{
	if ( Cluster::local_node_type() == Cluster::WORKER && name == "manager" )
		Cluster::publish("zscript.test.robust.worker", probe, 3, "from a worker");
	}
