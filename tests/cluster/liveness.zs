# Prints what a node sees of the others; used by tests/test_cluster.py.
#
# Each node prints its own process id at start, every node_up/node_down
# with the other's id and how many nodes of each type are up.  A worker
# that sees the manager come up pings it; the manager answers on the
# worker's own node topic.  Nobody waits for nodes that never come up.

module Test;

export {
	global ping: event(sender: string);
	global pong: event(receiver: string);
}

function counts(): string
	{
	return fmt("workers %d/%d proxies %d/%d",
	           Cluster::get_active_node_count(Cluster::WORKER),
	           Cluster::get_node_count(Cluster::WORKER),
	           Cluster::get_active_node_count(Cluster::PROXY),
	           Cluster::get_node_count(Cluster::PROXY));
	}

event zeek_init()
	{
	print fmt("my id %s", Cluster::node_id());
	}

event Cluster::node_up(name: string, id: string)
	{
	print fmt("node_up %s %s", name, id);
	print fmt("up: %s", counts());

	if ( Cluster::local_node_type() == Cluster::WORKER && name == "manager" )
		Cluster::publish(Cluster::manager_topic, ping, Cluster::node);
	}

event Cluster::node_down(name: string, id: string)
	{
	print fmt("node_down %s %s", name, id);
	print fmt("down: %s", counts());
	}

event ping(sender: string)
	{
	print fmt("ping from %s", sender);
	Cluster::publish(Cluster::node_topic(sender), pong, sender);
	# Proxies that never came up are simply not there: nothing to pick.
	print fmt("publish_hrw to the proxy pool: %s",
	          Cluster::publish_hrw(Cluster::proxy_pool, sender, ping, Cluster::node));
	print fmt("publish_rr to the proxy pool: %s",
	          Cluster::publish_rr(Cluster::proxy_pool, "k", ping, Cluster::node));
	}

event pong(receiver: string)
	{
	print fmt("pong for %s at %s", receiver, Cluster::node);
	}
