##! Experimental parts of the cluster framework: knowing when the whole
##! cluster is up (Zeek's ``policy/frameworks/cluster/experimental``).
##!
##! With ZeroMQ every node sees every other node's publishes, so a node is
##! *fully connected* once it has seen :zeek:see:`Cluster::node_up` for every
##! other node of the layout; with Broker, once it has seen it for the nodes
##! it connects to (:zeek:see:`Cluster::connect_node_hook`) and its manager.  It then raises
##! :zeek:see:`Cluster::Experimental::node_fully_connected` locally (and logs
##! "fully connected" to ``cluster.log``) and publishes it to the manager.
##! Once every node, the manager included, has reported, the manager raises
##! and publishes :zeek:see:`Cluster::Experimental::cluster_started` (once;
##! a node that comes back later reports again with ``resending`` set, so a
##! restarted manager does not announce a second start).

@load base/frameworks/cluster

module Cluster::Experimental;

export {
	## Node ``name`` (process ``id``) has seen every other node come up.
	## ``resending``: it had already seen the cluster start (a node or the
	## manager came back).
	global node_fully_connected: event(name: string, id: string, resending: bool) &is_used;

	## Every node of the cluster is fully connected (raised and published by
	## the manager).
	global cluster_started: event();

	## Where :zeek:see:`Cluster::Experimental::cluster_started` is published.
	const cluster_started_topic = "zeek/cluster/experimental/started" &redef;
}

# The other nodes this node has not seen come up yet.
global connectees_pending: set[string];

# Whether this node has seen the cluster start.
global is_cluster_started = F;

@if ( Cluster::is_enabled() )

@if ( Cluster::local_node_type() == Cluster::MANAGER )
@load ./nodes-experimental/manager
@endif

event zeek_init()
	{
	Cluster::subscribe(cluster_started_topic);

	# With Broker, the connections this node makes fill the set (below).
	if ( Cluster::backend == Cluster::CLUSTER_BACKEND_BROKER )
		return;

	for ( name, _ in Cluster::nodes )
		if ( name != Cluster::node )
			add connectees_pending[name];
	}

# Broker: a node sees only its peers come up, so it is fully connected once
# the nodes it connects to (and its manager, which may connect to it) are up.
hook Cluster::connect_node_hook(connectee: Cluster::NamedNode)
	{
	add connectees_pending[connectee$name];
	}

function fully_connected()
	{
	event node_fully_connected(Cluster::node, Cluster::node_id(), is_cluster_started);
	Cluster::publish(Cluster::manager_topic, node_fully_connected, Cluster::node,
	                 Cluster::node_id(), is_cluster_started);
	}

event Cluster::node_up(name: string, id: string)
	{
	if ( Cluster::backend == Cluster::CLUSTER_BACKEND_BROKER )
		{
		local me = Cluster::nodes[Cluster::node];
		local mgr = me?$manager ? me$manager : "";
		if ( name !in connectees_pending && name != mgr )
			return;
		}

	delete connectees_pending[name];

	if ( |connectees_pending| > 0 )
		return;

	fully_connected();
	}

event node_fully_connected(name: string, id: string, resending: bool)
	{
	# Every node has a handler; only this node's own report is logged.
	if ( name == Cluster::node )
		Cluster::log("fully connected");
	}

event cluster_started()
	{
	is_cluster_started = T;
	}

@endif
