##! Cluster::listen_websocket's own checks (tests/test_websocket.py): the same
##! options twice are fine, other options on the same address and port are
##! not, TLS needs both files.  Listens on 127.0.0.1:$WS_PORT and prints each
##! result (after start-up: errors during zeek_init would be fatal).

@load base/frameworks/cluster/websocket

event check()
	{
	local p = count_to_port(to_count(getenv("WS_PORT")), tcp);
	local opts = Cluster::WebSocketServerOptions($listen_addr=127.0.0.1, $listen_port=p);
	local same = Cluster::WebSocketServerOptions($listen_addr=127.0.0.1, $listen_port=p);
	local other = copy(opts);
	other$max_event_queue_size = 42;
	local no_key = copy(opts);
	no_key$tls_options = Cluster::WebSocketTLSOptions($cert_file="cert.pem");
	local no_cert = copy(opts);
	no_cert$tls_options = Cluster::WebSocketTLSOptions($key_file="key.pem");
	local missing_files = Cluster::WebSocketServerOptions($listen_addr=127.0.0.1,
		$listen_port=count_to_port(to_count(getenv("WS_PORT2")), tcp),
		$tls_options=Cluster::WebSocketTLSOptions($cert_file="nope.pem", $key_file="nope.key"));
	local no_addr = Cluster::WebSocketServerOptions($listen_port=p);

	print "first", Cluster::listen_websocket(opts);
	print "again", Cluster::listen_websocket(opts);
	print "equal", Cluster::listen_websocket(same);
	print "other", Cluster::listen_websocket(other);
	print "no_key", Cluster::listen_websocket(no_key);
	print "no_cert", Cluster::listen_websocket(no_cert);
	print "missing_files", Cluster::listen_websocket(missing_files);
	print "no_addr", Cluster::listen_websocket(no_addr);
	print "done";
	}

event zeek_init()
	{
	schedule 0.1 sec { check() };
	}
