# Broker, pattern 1: connecting.  The connector peers with the listener
# (trying again every second until it answers), then unpeers, which the
# listener sees as a lost peer.

redef exit_only_after_terminate = T;

function broker_port(): port
	{
	local p = getenv("BROKER_PORT");
	return p == "" ? Broker::default_port : to_port(p);
	}

event zeek_init()
	{
	Broker::peer("127.0.0.1", broker_port(), 1sec);
	}

event Broker::peer_added(endpoint: Broker::EndpointInfo, msg: string)
	{
	print "peer added", endpoint$network$address, endpoint$network$bound_port == broker_port(), msg;
	print "outbound", Broker::is_outbound_peering("127.0.0.1", broker_port());
	Broker::unpeer("127.0.0.1", broker_port());
	}

event Broker::peer_removed(endpoint: Broker::EndpointInfo, msg: string)
	{
	print "peer removed", msg, "peers left", |Broker::peers()|;
	terminate();
	}
