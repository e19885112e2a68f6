# Nodes that disagree on the serializer; used by tests/test_cluster.py.
#
# Workers publish Test::greet to the manager every 200 ms without waiting
# for node_up (a node using another format never comes up); the manager
# prints what it gets.

module Test;

export {
	global greet: event(sender: string, n: count);
}

event greet(sender: string, n: count)
	{
	print fmt("greet from %s", sender);
	}

event tick(n: count)
	{
	Cluster::publish(Cluster::manager_topic, greet, Cluster::node, n);
	schedule 200 msec { tick(n + 1) };
	}

event zeek_init()
	{
	if ( Cluster::local_node_type() == Cluster::WORKER )
		schedule 200 msec { tick(1) };
	}

event Cluster::node_up(name: string, id: string)
	{
	print fmt("node_up %s", name);
	}
