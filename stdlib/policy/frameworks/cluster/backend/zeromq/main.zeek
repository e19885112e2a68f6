##! The ZeroMQ backend's part in script: starting the transport, filling in
##! the log endpoints, and the handshake that turns other processes'
##! subscriptions into ``Cluster::node_up`` and ``Cluster::node_down``.
##!
##! Handshake, seen from node B when node A starts:
##!
##! 1. A subscribes to its nodeid topic; B sees the subscription
##!    (``subscription``) and publishes its ZeroMQ ``hello`` to that topic.
##! 2. A does the same for B's nodeid topic.
##! 3. When a node has both seen the other's nodeid subscription and received
##!    its ZeroMQ ``hello``, it publishes ``Cluster::hello`` to the other's
##!    nodeid topic, which raises ``Cluster::node_up`` there.
##!
##! When A's process ends (or is killed), the proxy drops its subscriptions and
##! B sees the ``unsubscription`` of A's nodeid topic: ``Cluster::node_down``.
##! A restarted node has a new id; a ZeroMQ ``hello`` from a known name with a
##! new id ends the old one first (warning "never said goodbye").

@load ./options

module Cluster::Backend::ZeroMQ;

# Non-logger nodes push their log batches to every logger (or the manager).
event zeek_init() &priority=100
	{
	if ( Cluster::backend != Cluster::CLUSTER_BACKEND_ZEROMQ )
		return;

	local me = Cluster::local_node_type();

	if ( me == Cluster::LOGGER || (me == Cluster::MANAGER && Cluster::manager_is_logger) )
		return;

	for ( _, n in Cluster::nodes )
		{
		if ( n$p == 0/unknown )
			next;

		if ( n$node_type == Cluster::LOGGER ||
		     (n$node_type == Cluster::MANAGER && Cluster::manager_is_logger) )
			connect_log_endpoints += fmt("tcp://%s:%d", addr_to_uri(n$ip), port_to_count(n$p));
		}

	if ( |connect_log_endpoints| == 0 && |Cluster::nodes| > 1 )
		Reporter::error("No ZeroMQ connect_log_endpoints configured");
	}

event zeek_init() &priority=10
	{
	if ( getenv("ZEEKCTL_CHECK_CONFIG") != "" || getenv("ZEEKCTL_DISABLE_LISTEN") != "" )
		return;

	if ( Cluster::backend != Cluster::CLUSTER_BACKEND_ZEROMQ )
		return;

	if ( run_proxy_thread && ! spawn_zmq_proxy_thread() )
		Reporter::fatal("Failed to spawn ZeroMQ proxy thread");

	# Also sets up the log PUSH/PULL sockets (log batches do not go through
	# the proxy).
	if ( ! Cluster::init() )
		Reporter::fatal("Failed initialize ZeroMQ backend");
	}

function subscription_expired(ids: set[string], id: string): interval
	{
	Reporter::warning(fmt("Expired subscription from nodeid %s", id));
	return 0sec;
	}

function hello_expired(ids: set[string], id: string): interval
	{
	Reporter::warning(fmt("Expired hello from nodeid %s", id));
	return 0sec;
	}

# Half-done handshakes: nodeid subscriptions seen without a hello, and the reverse.
global seen_subscriptions: set[string] &create_expire=hello_expiration &expire_func=subscription_expired;
global seen_hellos: set[string] &create_expire=hello_expiration &expire_func=hello_expired;

# The process id in a nodeid topic ("" if the topic is not one).
function topic_nodeid(topic: string): string
	{
	local prefix = nodeid_topic_prefix + ".";

	if ( ! starts_with(topic, prefix) )
		return "";

	return topic[|prefix|:-1];
	}

event Cluster::Backend::ZeroMQ::subscription(topic: string)
	{
	local id = topic_nodeid(topic);

	if ( id == "" || id == Cluster::node_id() )
		return;

	Cluster::publish(topic, Cluster::Backend::ZeroMQ::hello, Cluster::node, Cluster::node_id());

	if ( id in seen_hellos )
		{
		Cluster::publish(Cluster::nodeid_topic(id), Cluster::hello, Cluster::node, Cluster::node_id());
		delete seen_hellos[id];
		}
	else
		add seen_subscriptions[id];
	}

event Cluster::Backend::ZeroMQ::hello(name: string, id: string)
	{
	if ( name in Cluster::nodes && Cluster::nodes[name]?$id )
		{
		local old = Cluster::nodes[name]$id;

		if ( old == id )
			{
			Reporter::warning(fmt("node '%s' sends ZeroMQ::hello twice (id:%s)", name, id));
			return;
			}

		Reporter::warning(fmt("node '%s' never said goodbye (old id:%s new id:%s", name, old, id));

		# Retire the old process now: the new one's Cluster::hello may be
		# handled before the node_down below, and must then count as new.
		delete Cluster::nodes[name]$id;
		event Cluster::node_down(name, old);
		}

	if ( id in seen_subscriptions )
		{
		Cluster::publish(Cluster::nodeid_topic(id), Cluster::hello, Cluster::node, Cluster::node_id());
		delete seen_subscriptions[id];
		}
	else
		add seen_hellos[id];
	}

event Cluster::Backend::ZeroMQ::unsubscription(topic: string)
	{
	local id = topic_nodeid(topic);

	# Our own topic is withdrawn too when the central proxy goes away (the
	# manager stops or dies): we have not gone anywhere.
	if ( id == "" || id == Cluster::node_id() )
		return;

	for ( name, n in Cluster::nodes )
		{
		if ( n?$id && n$id == id )
			{
			event Cluster::node_down(name, id);
			return;
			}
		}

	Reporter::warning(fmt("unsubscription of unknown node with id '%s'", id));
	}

# A failed handshake is a configuration error (wrong CURVE keys, or encryption
# on one side only): the process ends.  A failure without detail can also be
# a connection problem during the handshake, so it only warns.  The numbers
# are ZeroMQ's (ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL, _PROTOCOL, _AUTH).
event Cluster::Backend::ZeroMQ::monitoring_event(number: count, value: count, address: string)
	{
	local msg = fmt("ZeroMQ: Handshake for socket %s failed: event=0x%x value=%s", address, number, value);

	if ( number == 0x0800 )
		Reporter::warning(msg);
	else if ( number == 0x2000 || number == 0x4000 )
		Reporter::fatal(msg);
	}
