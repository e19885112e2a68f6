##! NATS as the cluster backend: every node connects to a NATS server (any
##! server of a NATS cluster) instead of the manager's central ZeroMQ proxy.
##!
##! Topics, pools, serializers and ``Cluster::node_up``/``node_down`` are as
##! with ZeroMQ: the backend reports other nodes' subscriptions (from their
##! presence announcements and heartbeats; see ``zscript/cluster/nats.py``)
##! as ``subscription``/``unsubscription``, and the handshake of
##! ``base/frameworks/cluster/handshake`` turns them into ``node_up`` and
##! ``node_down``.  Log batches go to the loggers over NATS (a queue group:
##! each batch to one logger).  ``zscript run NODE`` sets ``url`` from the
##! layout's ``nats_url``.

@load base/frameworks/cluster
@load base/frameworks/cluster/handshake

module Cluster;

export {
	redef enum BackendTag += { CLUSTER_BACKEND_NATS };
}

module Cluster::Backend::NATS;

export {
	## The NATS servers, comma-separated (``nats://host:port``): every
	## server of the NATS cluster or some of them (the others are learned).
	const url = "nats://127.0.0.1:4222" &redef;
	## The first token of every subject the backend uses: clusters sharing
	## NATS servers need different prefixes.
	const subject_prefix = "zeek" &redef;
	## How often a node announces itself (its heartbeat).
	const heartbeat_interval: interval = 500msec &redef;
	## A node silent for this long is gone (``Cluster::node_down``).
	const heartbeat_timeout: interval = 1500msec &redef;
	## How long connecting may take at start.
	const connect_timeout: interval = 5sec &redef;
	## Messages waiting to be handed to the NATS client before a publish
	## waits for room (up to ``block_timeout``, then the event is dropped
	## and counted).
	const max_pending: count = 10000 &redef;
	const block_timeout: interval = 10sec &redef;
	## Bytes the client buffers while it reconnects (then publishes are
	## dropped and counted).
	const pending_size: count = 8388608 &redef;

	## Prefix of node-name topics (``zeek.cluster.node.<name>.``).
	global node_topic_prefix = "zeek.cluster.node" &redef;
	## Prefix of process topics (``zeek.cluster.nodeid.<id>.``).
	global nodeid_topic_prefix = "zeek.cluster.nodeid" &redef;

	## Another process subscribed to ``topic`` (first subscriber).
	global subscription: event(topic: string);
	## Nobody subscribes to ``topic`` any more.
	global unsubscription: event(topic: string);
	## The backend's own greeting, sent to a new process's nodeid topic.
	global hello: event(name: string, id: string);
	## The connection to the NATS servers broke (``what`` "disconnected")
	## or is back (``what`` "reconnected", ``server`` where).
	global connection: event(what: string, server: string);
}

redef Cluster::backend = Cluster::CLUSTER_BACKEND_NATS;

function nats_node_topic(name: string): string
	{
	return node_topic_prefix + "." + name + ".";
	}

function nats_nodeid_topic(id: string): string
	{
	return nodeid_topic_prefix + "." + id + ".";
	}

# This process's identity: new on every start.
const my_node_id = fmt("nats_%s_%s_%s_%s", Cluster::node, gethostname(), getpid(), unique_id("N"));

function nats_node_id(): string
	{
	return my_node_id;
	}

redef Cluster::node_topic = nats_node_topic;
redef Cluster::nodeid_topic = nats_nodeid_topic;
redef Cluster::node_id = nats_node_id;

redef Cluster::logger_topic = "zeek.cluster.logger";
redef Cluster::manager_topic = "zeek.cluster.manager";
redef Cluster::proxy_topic = "zeek.cluster.proxy";
redef Cluster::worker_topic = "zeek.cluster.worker";

redef Cluster::proxy_pool_spec = Cluster::PoolSpec($topic="zeek.cluster.pool.proxy", $node_type=Cluster::PROXY);
redef Cluster::logger_pool_spec = Cluster::PoolSpec($topic="zeek.cluster.pool.logger", $node_type=Cluster::LOGGER);
redef Cluster::worker_pool_spec = Cluster::PoolSpec($topic="zeek.cluster.pool.worker", $node_type=Cluster::WORKER);
redef Cluster::Telemetry::topic_normalizations += {
	[/^zeek\.cluster\.nodeid\..*/] = "zeek.cluster.nodeid.__normalized__",
};

event zeek_init() &priority=10
	{
	if ( Cluster::backend != Cluster::CLUSTER_BACKEND_NATS )
		return;

	if ( ! Cluster::init() )
		Reporter::fatal("Failed to initialize the NATS cluster backend");
	}

event Cluster::Backend::NATS::subscription(topic: string)
	{
	local id = Cluster::Backend::topic_nodeid(nodeid_topic_prefix, topic);

	# A process outside the layout (Cluster::node "") sees the nodes but is
	# not one of them: no handshake (see Cluster::register_node instead).
	if ( id == "" || id == Cluster::node_id() || Cluster::node == "" )
		return;

	Cluster::publish(topic, Cluster::Backend::NATS::hello, Cluster::node, Cluster::node_id());
	Cluster::Backend::handshake_subscription(id);
	}

event Cluster::Backend::NATS::hello(name: string, id: string)
	{
	Cluster::Backend::handshake_hello("NATS", name, id);
	}

event Cluster::Backend::NATS::unsubscription(topic: string)
	{
	local id = Cluster::Backend::topic_nodeid(nodeid_topic_prefix, topic);

	if ( id == "" || id == Cluster::node_id() )
		return;

	Cluster::Backend::handshake_unsubscription(id);
	}
