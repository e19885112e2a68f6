##! Broker's API: endpoints that listen and peer, publish and subscribe to
##! topics, and the data model scripts see for values received in ``any``.
##!
##! Each process is one endpoint.  ``Broker::listen`` accepts peerings,
##! ``Broker::peer`` makes one (retrying every ``retry`` until it succeeds,
##! and again when the connection is lost); both sides then raise
##! ``Broker::peer_added``.  Events published on a topic go to every peer
##! that subscribed to a prefix of it (never back to the publisher itself).
##! The transport is zscript's own (see ``zscript/broker``): a zscript
##! endpoint peers with zscript endpoints, not with Zeek's.

module Broker;

export {
	## The port ``listen`` and ``peer`` use when none is given.
	const default_port = 9999/tcp &redef;

	## How often ``listen`` tries again when the port is busy (0 = never).
	## ``ZEEK_DEFAULT_LISTEN_RETRY`` (seconds) overrides it.
	const default_listen_retry = 1sec &redef;

	## The address ``listen`` binds when none is given ("" = every address);
	## from ``ZEEK_DEFAULT_LISTEN_ADDRESS``.
	const default_listen_address = getenv("ZEEK_DEFAULT_LISTEN_ADDRESS") &redef;

	## How often ``peer`` tries again to reach a peer.
	## ``ZEEK_DEFAULT_CONNECT_RETRY`` (seconds) overrides it.
	const default_connect_retry = 1sec &redef;

	## TLS settings, accepted for compatibility: zscript's transport between
	## endpoints is plain TCP (use the cluster's CURVE encryption instead).
	const disable_ssl = F &redef;
	const ssl_cafile = "" &redef;
	const ssl_capath = "" &redef;
	const ssl_certificate = "" &redef;
	const ssl_passphrase = "" &redef;
	const ssl_keyfile = "" &redef;

	## Whether a peering keeps the process running (until ``terminate()``),
	## as listening does.
	option peer_counts_as_iosource = T;

	## Log writes sent to peers are batched up to this many entries.
	const log_batch_size = 400 &redef;

	## ... or for this long, whichever comes first.
	const log_batch_interval = 1sec &redef;

	## Whether endpoints forward messages between their peers (zscript never does).
	const forward_messages = F &redef;

	## The topic prefix remote log writes are published under.
	const default_log_topic_prefix = "zeek/logs/" &redef;

	## How serious a message of Broker's own log is.
	type LogSeverityLevel: enum {
		LOG_CRITICAL,	##< Normal operation has broken down.
		LOG_ERROR,	##< Part of the system cannot go on.
		LOG_WARNING,	##< Unexpected, but recoverable.
		LOG_INFO,	##< Worth noting in normal operation.
		LOG_VERBOSE,	##< Helps understanding what happens.
		LOG_DEBUG,	##< For troubleshooting only.
	};

	## Messages of Broker's own log at least this serious are logged
	## (zscript's Broker reports its problems through the reporter instead).
	const log_severity_level = LOG_WARNING &redef;

	## ... and printed to stderr.
	const log_stderr_severity_level = LOG_CRITICAL &redef;

	## How often the "recent" maximum of :zeek:see:`Broker::peering_stats`
	## starts again.
	const buffer_stats_reset_interval = 1min &redef;

	## Why an operation of Broker's failed (``Broker::error``).
	type ErrorCode: enum {
		UNSPECIFIED = 1,	##< No particular reason.
		PEER_INCOMPATIBLE = 2,	##< The peer speaks another version.
		PEER_INVALID = 3,	##< No such peer.
		PEER_UNAVAILABLE = 4,	##< Nobody listens there.
		PEER_DISCONNECT_DURING_HANDSHAKE = 5,	##< The peer went away while peering.
		PEER_TIMEOUT = 6,	##< Peering took too long.
		MASTER_EXISTS = 7,	##< A master store of that name exists.
		NO_SUCH_MASTER = 8,	##< There is no master store of that name.
		NO_SUCH_KEY = 9,	##< The key is not in the store.
		REQUEST_TIMEOUT = 10,	##< A store operation took too long.
		TYPE_CLASH = 11,	##< A value of another type was expected.
		INVALID_DATA = 12,	##< The value cannot be used for that.
		BACKEND_FAILURE = 13,	##< The store's backend failed.
		STALE_DATA = 14,	##< A clone's data is too old.
		CAF_ERROR = 100,	##< Any other failure.
	};

	## Where a peering stands.
	type PeerStatus: enum {
		INITIALIZING,	##< About to connect.
		CONNECTING,	##< Connecting.
		CONNECTED,	##< Connected, handshake pending.
		PEERED,	##< Handshake done: events flow.
		DISCONNECTED,	##< The connection is gone.
		RECONNECTING,	##< Connecting again after a loss.
	};

	## Where an endpoint is.
	type NetworkInfo: record {
		## Its address (or host name).
		address: string &log;
		## The port: the one it listens on for a peer we connected to.
		bound_port: port &log;
	};

	## An endpoint.
	type EndpointInfo: record {
		## The endpoint's unique identifier (``Broker::node_id()`` there).
		id: string;
		## Where it is, when it is a peer.
		network: NetworkInfo &optional;
	};

	## One peering, as ``Broker::peers()`` reports it.
	type PeerInfo: record {
		peer: EndpointInfo;
		status: PeerStatus;
		## Whether this endpoint made the peering (``Broker::peer``).
		is_outbound: bool;
	};

	type PeerInfos: vector of PeerInfo;

	## A value received in an ``any`` argument of a remote event: the data
	## as it came over the wire (a record travels as a vector of its
	## fields, for example).  It prints as ``broker::data{...}``;
	## ``v as T`` and ``v is T`` convert it to ``T`` when the data fits.
	type Data: record {
		data: opaque of Broker::Data &optional;
	};

	## The kinds of Broker data (``Broker::data_type``).
	type DataType: enum {
		NONE, BOOL, INT, COUNT, DOUBLE, STRING, ADDR, SUBNET, PORT,
		TIME, INTERVAL, ENUM, SET, TABLE, VECTOR,
	};

	## A vector of such values.
	type DataVector: vector of Broker::Data;

	## An event ready to publish (``Broker::make_event``).
	type Event: record {
		## The event's name; unset when ``make_event`` failed.
		name: string &optional;
		## Its arguments.
		args: DataVector;
	};

	## A key and its value.
	type TableItem: record {
		key: Broker::Data;
		val: Broker::Data;
	};

	## Raised when a peering is up (on both sides).
	global peer_added: event(endpoint: EndpointInfo, msg: string);

	## Raised when this endpoint ended a peering (``Broker::unpeer``).
	global peer_removed: event(endpoint: EndpointInfo, msg: string);

	## Raised when a peer's connection was lost.
	global peer_lost: event(endpoint: EndpointInfo, msg: string);

	## Raised when a new endpoint becomes reachable.
	global endpoint_discovered: event(endpoint: EndpointInfo, msg: string);

	## Raised when an endpoint is no longer reachable.
	global endpoint_unreachable: event(endpoint: EndpointInfo, msg: string);

	## Other changes of a peering.
	global status: event(endpoint: EndpointInfo, msg: string);

	## Raised when an operation of Broker's failed.
	global error: event(code: ErrorCode, msg: string);

	## Accepts peerings on address ``a``, port ``p`` (0 = any free port).
	## Returns the bound port, or 0/unknown; then, with a non-zero
	## ``retry``, tries again every ``retry``.
	global listen: function(a: string &default = default_listen_address,
	                        p: port &default = default_port,
	                        retry: interval &default = default_listen_retry): port;

	## Peers with the endpoint listening at ``a``:``p``, trying every
	## ``retry`` until it answers.  Returns whether the attempt was started.
	global peer: function(a: string, p: port &default = default_port,
	                      retry: interval &default = default_connect_retry): bool;

	## Ends the peering with ``a``:``p`` (made by ``peer``).
	global unpeer: function(a: string, p: port): bool;

	## Whether this endpoint made the peering with ``a``:``p``.
	global is_outbound_peering: function(a: string, p: port): bool;

	## The current peerings.
	global peers: function(): vector of PeerInfo;

	## The send buffer of each peering, by the peer's endpoint id.
	global peering_stats: function(): BrokerPeeringStatsTable;

	## This endpoint's unique identifier.
	global node_id: function(): string;

	## Sends the value of global ``id`` to the peers subscribed to ``topic``;
	## they assign it to their own ``id``.
	global publish_id: function(topic: string, id: string): bool;

	## Receive the events (and identifiers) published on topics starting
	## with ``topic_prefix``.  Returns whether it is a new subscription.
	global subscribe: function(topic_prefix: string): bool;

	## Stops receiving what ``subscribe(topic_prefix)`` asked for.
	global unsubscribe: function(topic_prefix: string): bool;

	## Accepted for compatibility; zscript endpoints do not forward.
	global forward: function(topic_prefix: string): bool;

	## Hands on buffered log writes (to the peers, with Broker as the
	## cluster backend); returns 0.
	global flush_logs: function(): count;

	## Raised every ``log_batch_interval`` once the endpoint listens or
	## peers: flushes the log writes for the peers.
	global log_flush: event();
}

global flushing = F;

event Broker::log_flush() &priority=10
	{
	flush_logs();
	schedule log_batch_interval { Broker::log_flush() };
	}

# Called when the endpoint starts to listen or peer (zeek_init does it in
# Zeek, for every process).
function start_log_flush()
	{
	if ( flushing )
		return;
	flushing = T;
	schedule log_batch_interval { Broker::log_flush() };
	}

event retry_listen(a: string, p: port, retry: interval)
	{
	listen(a, p, retry);
	}

function listen(a: string, p: port, retry: interval): port
	{
	start_log_flush();
	local bound = __listen(a, p);
	if ( bound != 0/tcp )
		return bound;
	local env = getenv("ZEEK_DEFAULT_LISTEN_RETRY");
	if ( env != "" )
		retry = double_to_interval(to_double(env));
	if ( retry != 0secs )
		schedule retry { retry_listen(a, p, retry) };
	return bound;
	}

function peer(a: string, p: port, retry: interval): bool
	{
	local env = getenv("ZEEK_DEFAULT_CONNECT_RETRY");
	if ( env != "" )
		retry = double_to_interval(to_double(env));
	start_log_flush();
	return __peer(a, p, retry);
	}

function unpeer(a: string, p: port): bool
	{
	return __unpeer(a, p);
	}

function is_outbound_peering(a: string, p: port): bool
	{
	return __is_outbound_peering(a, p);
	}

function peers(): vector of PeerInfo
	{
	return __peers();
	}

function peering_stats(): BrokerPeeringStatsTable
	{
	return __peering_stats();
	}

function node_id(): string
	{
	return __node_id();
	}

function publish_id(topic: string, id: string): bool
	{
	return __publish_id(topic, id);
	}

function subscribe(topic_prefix: string): bool
	{
	return __subscribe(topic_prefix);
	}

function unsubscribe(topic_prefix: string): bool
	{
	return __unsubscribe(topic_prefix);
	}

function forward(topic_prefix: string): bool
	{
	return F;
	}

function flush_logs(): count
	{
	return __flush_logs();
	}
