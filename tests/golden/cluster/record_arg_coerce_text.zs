# @error-format: zeek
# A [$field=...] argument given for a declared record parameter is shown as
# Zeek shows it once coerced: (coerce [...] to TYPE).
event zeek_init()
	{
	local no_key = Cluster::WebSocketTLSOptions($cert_file="cert.pem");
	print Cluster::listen_websocket([$listen_addr=127.0.0.1, $listen_port=1234/tcp,
	                                 $tls_options=no_key]);
	}
