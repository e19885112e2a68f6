##! The ZeroMQ backend's part in script: starting the transport, filling in
##! the log endpoints, and the handshake that turns other processes'
##! subscriptions into ``Cluster::node_up`` and ``Cluster::node_down``
##! (``base/frameworks/cluster/handshake``, shared with the NATS backend).
##! The central proxy forwards every process's subscriptions to every other;
##! when a process ends (or is killed), the proxy drops its subscriptions and
##! the others see the ``unsubscription`` of its nodeid topic.

@load ./options
@load base/frameworks/cluster/handshake

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

event Cluster::Backend::ZeroMQ::subscription(topic: string)
	{
	local id = Cluster::Backend::topic_nodeid(nodeid_topic_prefix, topic);

	if ( id == "" || id == Cluster::node_id() )
		return;

	Cluster::publish(topic, Cluster::Backend::ZeroMQ::hello, Cluster::node, Cluster::node_id());
	Cluster::Backend::handshake_subscription(id);
	}

event Cluster::Backend::ZeroMQ::hello(name: string, id: string)
	{
	Cluster::Backend::handshake_hello("ZeroMQ", name, id);
	}

event Cluster::Backend::ZeroMQ::unsubscription(topic: string)
	{
	local id = Cluster::Backend::topic_nodeid(nodeid_topic_prefix, topic);

	# Our own topic is withdrawn too when the central proxy goes away (the
	# manager stops or dies): we have not gone anywhere.
	if ( id == "" || id == Cluster::node_id() )
		return;

	Cluster::Backend::handshake_unsubscription(id);
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
