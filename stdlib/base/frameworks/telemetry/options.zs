##! Where this process serves its metrics.  In a cluster the port comes from
##! the node's ``metrics_port`` in the layout, and every metric is labelled
##! with the node's name.

module Telemetry;

export {
	## Address the metrics endpoint binds to; empty means the node's address
	## in the layout in a cluster, else 127.0.0.1 (Zeek itself binds 0.0.0.0).
	const metrics_address = getenv("ZEEK_DEFAULT_LISTEN_ADDRESS") &redef;

	## Port of the metrics endpoint; ``0/unknown`` serves nothing.
	const metrics_port = 0/unknown &redef;

	## Name of the label identifying the node on every metric.
	const metrics_endpoint_label = "node" &redef;

	## Value of that label; in a cluster, the node's name.  Empty: no label.
	const metrics_endpoint_name = "" &redef;
}

# In a cluster the layout decides (this file loads after Cluster::nodes is set).
@if ( Cluster::is_enabled() )
redef Telemetry::metrics_endpoint_name = Cluster::node;

@if ( Cluster::local_node_metrics_port() != 0/unknown )
redef Telemetry::metrics_port = Cluster::local_node_metrics_port();
@endif
@endif
