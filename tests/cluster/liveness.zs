# Prints what a node sees of the others; used by tests/test_cluster.py.
event Cluster::node_up(name: string, id: string)
	{
	print fmt("node_up %s", name);
	}

event Cluster::node_down(name: string, id: string)
	{
	print fmt("node_down %s", name);
	}
