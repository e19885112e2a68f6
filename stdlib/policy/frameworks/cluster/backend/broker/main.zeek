##! Broker as the cluster backend.
##!
##! In a process outside a cluster layout this means: log writes also go to
##! the Broker peers subscribed to their topic
##! (``Broker::default_log_topic_prefix`` + path).
##!
##! On a node of a cluster layout, ``Cluster::init()`` runs the cluster over
##! Broker peerings, made as Zeek's Broker backend makes them: every node
##! that has a port listens on it; workers peer with the manager and the
##! proxies, proxies with the manager, and every node with the loggers.
##! A peering's two sides greet each other with ``Cluster::hello`` on the
##! peer's nodeid topic (``Cluster::node_up``); a lost peering is
##! ``Cluster::node_down``.  Messages reach only direct peers subscribed to
##! their topic (no forwarding, as with Broker).

@load base/frameworks/cluster

module Cluster;

redef Cluster::backend = Cluster::CLUSTER_BACKEND_BROKER;

function broker_node_id(): string
	{
	return Broker::node_id();
	}

# The cluster's node id is the endpoint's (peer events carry it).
redef Cluster::node_id = broker_node_id;

# Whether a node of type ``me`` makes the peering with a node of type ``other``.
function broker_peers_with(me: NodeType, other: NodeType): bool
	{
	if ( other == LOGGER )
		return me != LOGGER;
	if ( other == MANAGER )
		return me == WORKER || me == PROXY;
	if ( other == PROXY )
		return me == WORKER;
	return F;
	}

event zeek_init() &priority=-10
	{
	if ( node == "" || node !in nodes )
		return;

	if ( ! Cluster::init() )
		Reporter::fatal("Failed to initialize the Broker cluster backend");

	local me = nodes[node];

	if ( me$node_type == LOGGER || (me$node_type == MANAGER && manager_is_logger) )
		Broker::subscribe(Broker::default_log_topic_prefix);

	if ( me$p != 0/unknown && me$p != 0/tcp )
		Broker::listen(cat(me$ip), me$p);

	for ( name, n in nodes )
		{
		if ( name == node || ! broker_peers_with(me$node_type, n$node_type) )
			next;

		if ( ! hook Cluster::connect_node_hook(NamedNode($name=name, $node=n)) )
			next;

		Broker::peer(cat(n$ip), n$p, retry_interval);
		}
	}

event Broker::peer_added(endpoint: Broker::EndpointInfo, msg: string) &priority=10
	{
	if ( node == "" )
		return;

	Broker::publish(nodeid_topic(endpoint$id), Cluster::hello, node, Broker::node_id());
	}

event Broker::peer_lost(endpoint: Broker::EndpointInfo, msg: string) &priority=10
	{
	local nn = nodeid_to_node(endpoint$id);

	if ( nn$name != "" )
		event Cluster::node_down(nn$name, endpoint$id);
	}

module Broker;

export {
	## Sent by the manager to each new peer: the ``&backend`` tables whose
	## masters it holds (their clones follow it).
	global announce_masters: event(masters: set[string]);
}

# Before Cluster::hello (priority 10), so a peer knows the masters when the
# manager is up for it.
event Broker::peer_added(endpoint: Broker::EndpointInfo, msg: string) &priority=11
	{
	if ( Cluster::node == "" || Cluster::local_node_type() != Cluster::MANAGER )
		return;

	local masters: set[string];

	for ( name, id in global_ids() )
		if ( id$broker_backend )
			add masters[name];

	Broker::publish(Cluster::nodeid_topic(endpoint$id), Broker::announce_masters, masters);
	}
