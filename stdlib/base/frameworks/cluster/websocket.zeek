##! The WebSocket API of the cluster (Zeek's ``Cluster::listen_websocket``).
##!
##! A node calling :zeek:see:`Cluster::listen_websocket` accepts WebSocket
##! clients that speak Zeek's v1 protocol on ``/v1/messages/json``: a client
##! first sends the JSON array of the topic prefixes it subscribes to, gets an
##! ``ack`` once its subscriptions are active, then receives every event
##! published on those topics and may publish events itself.  Each client is
##! a cluster endpoint of its own (``<this node's id>-websocket-<n>``), so the
##! events it publishes reach every subscriber, this node included, through
##! the cluster's transport.  Events a client publishes must be declared on
##! this node with the same parameter types.
##!
##! Beyond Zeek's options, zscript adds a bearer token (Zeek has no
##! authentication), a maximum message size and a bounded queue of outgoing
##! messages per client.  New clients and lost ones are logged to
##! ``cluster.log``.

@load ./main

module Cluster;

export {
	## The default for ``max_event_queue_size``: how many messages of one
	## client are buffered before reading from it pauses.
	const default_websocket_max_event_queue_size = 32 &redef;

	## The default for ``ping_interval``.
	const default_websocket_ping_interval = 5 sec &redef;

	## The default for ``max_message_size`` (zscript): 1 MiB.
	const default_websocket_max_message_size = 1048576 &redef;

	## The default for ``max_outgoing_queue_size`` (zscript).
	const default_websocket_max_outgoing_queue_size = 1000 &redef;

	## TLS settings of a WebSocket server.  TLS is on when both ``cert_file``
	## and ``key_file`` are set; setting only one of them is an error.
	type WebSocketTLSOptions: record {
		## The server's certificate (PEM), possibly followed by its chain.
		cert_file: string &optional;
		## The certificate's private key (PEM).
		key_file: string &optional;
		## Require clients to present a certificate signed by ``ca_file``.
		enable_peer_verification: bool &default=F;
		## CA certificates for verifying clients ("" uses the system's).
		ca_file: string &default="";
		## OpenSSL cipher list ("" keeps the defaults).
		ciphers: string &default="";
	};

	## zscript: what the WebSocket clients of one token may do.  An unset
	## field allows everything; an empty set allows nothing.  Whatever the
	## access, no client may publish the events a node raises about itself
	## (``zeek_init``, ``zeek_done``, ``Cluster::node_up``, ...) nor
	## ``Cluster::hello``.
	type WebSocketAccess: record {
		## Topic prefixes each subscription must start with.
		subscribe_topics: set[string] &optional;
		## Topic prefixes the topic of a published event must start with.
		publish_topics: set[string] &optional;
		## Names of the events clients may publish.
		publish_events: set[string] &optional;
	};

	## What :zeek:see:`Cluster::listen_websocket` is given.
	type WebSocketServerOptions: record {
		## The address to listen on.
		listen_addr: addr &optional;
		## The port to listen on.
		listen_port: port;
		## Messages of one client buffered before reading from it pauses.
		max_event_queue_size: count &default=default_websocket_max_event_queue_size;
		## How often clients are pinged; one that does not answer before the
		## next ping is disconnected (code 1011, "Ping timeout").  Whole
		## seconds; zero or negative disables pings.
		ping_interval: interval &default=default_websocket_ping_interval;
		## TLS settings; TLS is off by default.
		tls_options: WebSocketTLSOptions &default=WebSocketTLSOptions();
		## zscript: if set, a client must send ``Authorization: Bearer <token>``
		## (or HTTP Basic credentials whose password is the token); others are
		## refused at the HTTP handshake (401 without credentials, 403 with
		## wrong ones), before they can subscribe or publish.
		auth_token: string &optional;
		## zscript: more tokens, each with what its clients may do.  A client
		## presenting one of them gets its access; one presenting
		## ``auth_token`` may do everything.  Setting either requires every
		## client to present a token.
		auth_tokens: table[string] of WebSocketAccess &optional;
		## zscript: the largest message a client may send, in bytes; a larger
		## one closes its connection with code 1009.
		max_message_size: count &default=default_websocket_max_message_size;
		## zscript: outgoing messages queued for a client that reads too
		## slowly; when the queue is full the client is disconnected (code
		## 1013, "Outgoing queue full: client too slow").
		max_outgoing_queue_size: count &default=default_websocket_max_outgoing_queue_size;
	};

	## The network side of an endpoint.
	type NetworkInfo: record {
		## The address of the endpoint.
		address: string;
		## Its port.
		bound_port: port;
	};

	## A WebSocket client as the events below describe it.
	type EndpointInfo: record {
		## The client's identity in the cluster (``<node id>-websocket-<n>``).
		id: string;
		## Where it connected from.
		network: NetworkInfo;
		## The ``X-Application-Name`` header of its request, if it sent one.
		application_name: string &optional;
	};

	## A WebSocket client's subscriptions are active and it got its ``ack``.
	##
	## endpoint: the client.
	##
	## subscriptions: its topic prefixes (sorted, without duplicates).
	global websocket_client_added: event(endpoint: EndpointInfo, subscriptions: string_vec);

	## A WebSocket client that had been accepted went away.
	##
	## endpoint: the client.
	##
	## code: the close code it sent, or the one this node closed it with.
	##
	## reason: the close reason that came with ``code``.
	global websocket_client_lost: event(endpoint: EndpointInfo, code: count, reason: string);

	## Start a WebSocket server.  Calling it again with the same options is
	## fine; other options on the same address and port are an error.
	##
	## options: the server's settings.
	##
	## Returns: T if the server listens.
	global listen_websocket: function(options: WebSocketServerOptions): bool;
}

function listen_websocket(options: WebSocketServerOptions): bool
	{
	return Cluster::__listen_websocket(options);
	}

function format_endpoint_info(ei: EndpointInfo): string
	{
	local s = fmt("'%s' (%s:%d)", ei$id, ei$network$address, port_to_count(ei$network$bound_port));

	if ( ei?$application_name )
		s += fmt(" application_name=%s", ei$application_name);

	return s;
	}

event websocket_client_added(endpoint: EndpointInfo, subscriptions: string_vec)
	{
	Cluster::log(fmt("WebSocket client %s subscribed to %s", format_endpoint_info(endpoint),
	                 subscriptions));
	}

event websocket_client_lost(endpoint: EndpointInfo, code: count, reason: string)
	{
	local why = |reason| > 0 ? fmt(" and reason '%s'", reason) : "";
	Cluster::log(fmt("WebSocket client %s gone with code %d%s", format_endpoint_info(endpoint),
	                 code, why));
	}
