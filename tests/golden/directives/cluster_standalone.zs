# When run standalone, the node is not part of a cluster.
event zeek_init()
	{
	print Cluster::local_node_type() == Cluster::NONE;
	print Cluster::node == "";
	print Cluster::is_enabled();
	}

@if ( Cluster::local_node_type() == Cluster::NONE )
print "standalone branch taken";
@endif
