##! Run one WebSocket server (``@load policy/frameworks/cluster/websocket/server``).
##!
##! Listens on 127.0.0.1:27759 (the port zeekctl uses), or on the address
##! and port in the environment variables ``ZEEK_WEBSOCKET_LISTEN_ADDRESS``
##! and ``ZEEK_WEBSOCKET_LISTEN_PORT``.  ``ZSCRIPT_WEBSOCKET_AUTH_TOKEN``, if
##! set, is the bearer token clients must present (see
##! :zeek:see:`Cluster::WebSocketServerOptions`).
##!
##! Loaded outside a cluster (no backend selected yet), it selects the ZeroMQ
##! backend and runs the central proxy in this process, so that the clients
##! can talk to each other and to this process.

@load base/utils/numbers
@load base/frameworks/cluster
@load base/frameworks/cluster/websocket

@if ( Cluster::backend == Cluster::CLUSTER_BACKEND_NONE )

@if ( |Cluster::nodes| > 0 )
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

event zeek_init() &priority=-100
	{
	local listen_addr = 127.0.0.1;
	local listen_addr_env = getenv("ZEEK_WEBSOCKET_LISTEN_ADDRESS");
	if ( |listen_addr_env| > 0 )
		{
		listen_addr_env = rstrip(lstrip(listen_addr_env, "["), "]");
		listen_addr = to_addr(listen_addr_env);
		}

	local listen_port = 27759/tcp;
	local listen_port_env = getenv("ZEEK_WEBSOCKET_LISTEN_PORT");
	if ( |listen_port_env| > 0 )
		listen_port = count_to_port(extract_count(listen_port_env), tcp);

	local opts = Cluster::WebSocketServerOptions($listen_addr=listen_addr, $listen_port=listen_port);
	local token = getenv("ZSCRIPT_WEBSOCKET_AUTH_TOKEN");
	if ( |token| > 0 )
		opts$auth_token = token;

	Reporter::info(fmt("Running standalone WebSocket server on %s:%s with local cluster backend %s",
	                   listen_addr, listen_port, Cluster::backend));

	if ( ! Cluster::listen_websocket(opts) )
		Reporter::fatal("failed to listen");
	}
