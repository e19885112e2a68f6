##! Settings of the ZeroMQ cluster backend, with Zeek's names and defaults.
##!
##! Loading this script selects the backend.  ``zscript run NODE`` sets the
##! endpoints from the cluster layout after loading it.

@load base/frameworks/cluster
@load base/utils/addrs

module Cluster::Backend::ZeroMQ;

export {
	## The central XSUB this node's XPUB connects to (where it publishes).
	const connect_xpub_endpoint = "tcp://127.0.0.1:5556" &redef;
	## The central XPUB this node's XSUB connects to (where it receives).
	const connect_xsub_endpoint = "tcp://127.0.0.1:5555" &redef;
	## The loggers' PULL sockets this node pushes log batches to.
	const connect_log_endpoints: vector of string &redef;

	## Whether this node runs the central proxy (the manager does).
	const run_proxy_thread: bool = F &redef;
	## I/O threads of the proxy's ZeroMQ context.
	const proxy_io_threads = 2 &redef;
	## Where the central proxy's XSUB listens.
	const listen_xsub_endpoint = "tcp://127.0.0.1:5556" &redef;
	## Where the central proxy's XPUB listens.
	const listen_xpub_endpoint = "tcp://127.0.0.1:5555" &redef;
	## Where this node's log PULL socket listens ("" for none).
	const listen_log_endpoint = "" &redef;

	## How long unsent messages are kept when a socket closes.
	const linger_ms: int = 500 &redef;
	## Outgoing messages queued before events are dropped (and counted).
	## zscript's default, 0, drops nothing, as in Zeek, but bounds the
	## queue: a publish that finds 1000 messages unsent waits for room
	## (flow control; the node keeps reading its input meanwhile) for up
	## to ``xpub_block_timeout``.  Zeek's default is 1000 (drop at once).
	const xpub_sndhwm: int = 0 &redef;
	## How long a publish waits for room when ``xpub_sndhwm`` is 0 before
	## the event is dropped (and counted).  zscript only.
	const xpub_block_timeout: interval = 10sec &redef;
	## Kernel send buffer of the XPUB socket (-1: the system's default).
	const xpub_sndbuf: int = -1 &redef;
	## Incoming messages queued in ZeroMQ.
	const xsub_rcvhwm: int = 1000 &redef;
	## Kernel receive buffer of the XSUB socket (-1: the system's default).
	const xsub_rcvbuf: int = -1 &redef;
	## Received events waiting for the event loop before more are dropped
	## (and counted).  zscript's default, 0, drops nothing: a node reads at
	## most a few thousand events between two turns of its event loop, so
	## the queue stays bounded and a slow node slows its senders (see
	## ``xpub_sndhwm``).  Zeek's default is 10000.
	const onloop_queue_hwm = 0 &redef;

	## Send log batches at once instead of batching them.
	const log_immediate: bool = F &redef;
	## Log batches queued for sending.
	const log_sndhwm: int = 1000 &redef;
	## Log batches queued for writing.
	const log_rcvhwm: int = 1000 &redef;
	## Kernel buffer sizes of the log sockets (-1: the system's default).
	const log_sndbuf: int = -1 &redef;
	const log_rcvbuf: int = -1 &redef;

	## Enable IPv6 on the sockets.
	const ipv6 = F &redef;
	## Report a full send queue instead of dropping silently (then counted as drops).
	const connect_xpub_nodrop: bool = T &redef;
	## The same for the central proxy.
	const listen_xpub_nodrop: bool = T &redef;
	## Messages read from one socket before looking at the others.
	const poll_max_messages = 100 &redef;
	## Debugging output (1: polling, 2: threads).
	const debug_flags: count = 0 &redef;

	## CURVE encryption keys (Z85, 40 characters; "" for none).
	const curve_server_publickey = "" &redef;
	const curve_server_secretkey = "" &redef;
	const curve_client_publickey = "" &redef;
	const curve_client_secretkey = "" &redef;

	## Prefix of node-name topics (``zeek.cluster.node.<name>.``).
	global node_topic_prefix = "zeek.cluster.node" &redef;
	## Prefix of process topics (``zeek.cluster.nodeid.<id>.``).
	global nodeid_topic_prefix = "zeek.cluster.nodeid" &redef;

	## Another process subscribed to ``topic`` (first subscriber).
	global subscription: event(topic: string);
	## Nobody subscribes to ``topic`` any more.
	global unsubscription: event(topic: string);
	## A socket monitoring event of ZeroMQ.
	global monitoring_event: event(number: count, value: count, address: string);
	## The backend's own greeting, sent to a new process's nodeid topic.
	global hello: event(name: string, id: string);

	## How long a half-done handshake is remembered.
	const hello_expiration: interval = 10sec &redef;

	## Prefix of topics for the backend's own use.
	const internal_topic_prefix = "zeek.zeromq.internal." &redef;
}

redef Cluster::backend = Cluster::CLUSTER_BACKEND_ZEROMQ;

redef run_proxy_thread = Cluster::local_node_type() == Cluster::MANAGER;

function zeromq_node_topic(name: string): string
	{
	return node_topic_prefix + "." + name + ".";
	}

function zeromq_nodeid_topic(id: string): string
	{
	return nodeid_topic_prefix + "." + id + ".";
	}

# This process's identity: new on every start, with a little debugging help.
const my_node_id = fmt("zeromq_%s_%s_%s_%s", Cluster::node, gethostname(), getpid(), unique_id("N"));

function zeromq_node_id(): string
	{
	return my_node_id;
	}

redef Cluster::node_topic = zeromq_node_topic;
redef Cluster::nodeid_topic = zeromq_nodeid_topic;
redef Cluster::node_id = zeromq_node_id;

redef Cluster::logger_topic = "zeek.cluster.logger";
redef Cluster::manager_topic = "zeek.cluster.manager";
redef Cluster::proxy_topic = "zeek.cluster.proxy";
redef Cluster::worker_topic = "zeek.cluster.worker";

redef Cluster::proxy_pool_spec = Cluster::PoolSpec($topic="zeek.cluster.pool.proxy", $node_type=Cluster::PROXY);
redef Cluster::logger_pool_spec = Cluster::PoolSpec($topic="zeek.cluster.pool.logger", $node_type=Cluster::LOGGER);
# Node ids are in the nodeid topics: count them under one name.
redef Cluster::Telemetry::topic_normalizations += {
	[/^zeek\.cluster\.nodeid\..*/] = "zeek.cluster.nodeid.__normalized__",
};

redef Cluster::worker_pool_spec = Cluster::PoolSpec($topic="zeek.cluster.pool.worker", $node_type=Cluster::WORKER);

# A node that writes logs listens for them on its layout port.
@if ( Cluster::local_node_type() == Cluster::LOGGER || (Cluster::manager_is_logger && Cluster::local_node_type() == Cluster::MANAGER) )
@if ( Cluster::nodes[Cluster::node]$p != 0/unknown )
redef listen_log_endpoint = fmt("tcp://%s:%d", addr_to_uri(Cluster::nodes[Cluster::node]$ip), port_to_count(Cluster::nodes[Cluster::node]$p));
@endif
@endif
