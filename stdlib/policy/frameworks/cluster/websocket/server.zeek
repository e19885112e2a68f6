##! A process that serves WebSocket clients by itself:
##! ``@load policy/frameworks/cluster/websocket/server``.
##!
##! Where it listens comes from the environment: ``ZEEK_WEBSOCKET_LISTEN_ADDRESS``
##! (an address, IPv6 optionally in brackets; default 127.0.0.1) and
##! ``ZEEK_WEBSOCKET_LISTEN_PORT`` (default 27759, zeekctl's port).  With
##! ``ZSCRIPT_WEBSOCKET_AUTH_TOKEN`` set, clients must present that bearer
##! token (see :zeek:see:`Cluster::WebSocketServerOptions`).
##!
##! The clients need a cluster backend to reach each other and this process.
##! If none is selected when this script loads and there is no cluster
##! layout, it selects ZeroMQ and runs the central proxy here.  A layout
##! without a backend is refused at start-up, with Zeek's error.

@load base/utils/numbers
@load base/frameworks/cluster
@load base/frameworks/cluster/websocket

@if ( Cluster::backend == Cluster::CLUSTER_BACKEND_NONE )
@if ( |Cluster::nodes| > 0 )
# A layout without a backend: its nodes could not reach each other, and
# choosing ZeroMQ here would not help them.  Refuse to start, as Zeek does.
event zeek_init() &priority=10
	{
	Reporter::error("Cluster::nodes has entries but Cluster::backend was Cluster::CLUSTER_BACKEND_NONE");
	exit(1);
	}
@else
@load policy/frameworks/cluster/backend/zeromq
redef Cluster::Backend::ZeroMQ::run_proxy_thread = T;
@endif
@endif

function websocket_server_options(): Cluster::WebSocketServerOptions
	{
	local opts = Cluster::WebSocketServerOptions($listen_addr=127.0.0.1, $listen_port=27759/tcp);

	local a = getenv("ZEEK_WEBSOCKET_LISTEN_ADDRESS");
	if ( a != "" )
		opts$listen_addr = to_addr(gsub(a, /^\[|\]$/, ""));

	local p = getenv("ZEEK_WEBSOCKET_LISTEN_PORT");
	if ( p != "" )
		opts$listen_port = count_to_port(extract_count(p), tcp);

	local token = getenv("ZSCRIPT_WEBSOCKET_AUTH_TOKEN");
	if ( token != "" )
		opts$auth_token = token;

	return opts;
	}

# Late, so that scripts loaded with this one have set up the backend first.
event zeek_init() &priority=-100
	{
	local opts = websocket_server_options();
	Reporter::info(fmt("Running standalone WebSocket server on %s:%s with local cluster backend %s",
	                   opts$listen_addr, opts$listen_port, Cluster::backend));
	if ( ! Cluster::listen_websocket(opts) )
		Reporter::fatal("failed to listen");
	}
