# @cluster
# A cluster test: it runs on the built-in layout (manager, logger, proxy, two
# workers), and each node's output is compared with roles.NODE.out.  Each
# node says hello to the manager once it knows every other node (so that no
# node is a stranger to another when the cluster stops), and the manager ends
# the cluster once every node said hello.

module Roles;

export {
	global hello: event(node: string);
}

event zeek_init()
	{
	print fmt("%s starts as %s", Cluster::node, Cluster::local_node_type());
	}

@if ( Cluster::local_node_type() == Cluster::MANAGER )
global greeted: set[string];

event Roles::hello(node: string)
	{
	add greeted[node];
	if ( |greeted| + 1 == |Cluster::nodes| )
		{
		print fmt("all %d other nodes said hello", |greeted|);
		terminate();
		}
	}
@else
global known: set[string];

event Cluster::node_up(name: string, id: string)
	{
	add known[name];
	if ( |known| + 1 == |Cluster::nodes| )
		Cluster::publish(Cluster::manager_topic, Roles::hello, Cluster::node);
	}
@endif
