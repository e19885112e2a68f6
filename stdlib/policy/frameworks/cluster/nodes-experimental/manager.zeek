##! The manager's part of ``policy/frameworks/cluster/experimental``: it
##! collects :zeek:see:`Cluster::Experimental::node_fully_connected` from
##! every node (itself included) and then announces
##! :zeek:see:`Cluster::Experimental::cluster_started`.

@load base/frameworks/cluster
@load policy/frameworks/cluster/experimental

module Cluster::Experimental;

# The nodes that have not reported yet.
global fully_connected_pending: set[string];

event zeek_init()
	{
	for ( name, _ in Cluster::nodes )
		add fully_connected_pending[name];
	}

event node_fully_connected(name: string, id: string, resending: bool)
	{
	# A node that saw the cluster start before: the manager came back.
	if ( resending )
		is_cluster_started = T;

	delete fully_connected_pending[name];

	if ( is_cluster_started || |fully_connected_pending| > 0 )
		return;

	event cluster_started();
	Cluster::publish(cluster_started_topic, cluster_started);
	}

event cluster_started()
	{
	Cluster::log("cluster connected");
	}

# Broker only (with ZeroMQ every node sees every other come up): a manager
# that connects to nobody is fully connected at once (after the Broker
# backend made its connections, at priority -10) ...
event zeek_init() &priority=-15
	{
	if ( Cluster::backend == Cluster::CLUSTER_BACKEND_BROKER && |connectees_pending| == 0 )
		event node_fully_connected(Cluster::node, Cluster::node_id(), F);
	}

# ... and a logger without a manager cannot report itself: it counts as
# fully connected once the manager sees it.
event Cluster::node_up(name: string, id: string)
	{
	if ( Cluster::backend != Cluster::CLUSTER_BACKEND_BROKER || name !in Cluster::nodes )
		return;

	local n = Cluster::nodes[name];
	if ( n$node_type == Cluster::LOGGER && ! n?$manager )
		event node_fully_connected(name, id, F);
	}
