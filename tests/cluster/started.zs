# Cluster::Experimental and the VERBOSE event counters; used by
# tests/test_cluster_poc.py.
#
# Every node prints the node_fully_connected and cluster_started events it
# sees; once the cluster has started each node prints its VERBOSE counters
# of Cluster::hello (one per other node, both ways).

@load policy/frameworks/cluster/experimental

redef Cluster::Telemetry::core_metrics += { Cluster::Telemetry::VERBOSE };

event Cluster::Experimental::node_fully_connected(name: string, id: string, resending: bool)
	{
	print fmt("node_fully_connected %s %s", name, resending);
	}

event Cluster::Experimental::cluster_started()
	{
	print "cluster_started";
	local ms = Telemetry::collect_metrics("zeek", "cluster_core_verbose_*");

	for ( _, m in ms )
		if ( m$label_values[0] == "Cluster::hello" )
			print fmt("%s %s %.0f", m$opts$name, join_string_vec(m$label_values, " "), m$value);
	}
