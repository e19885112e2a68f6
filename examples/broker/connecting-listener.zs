# Broker, pattern 1: connecting.  The listener waits for one peer, says
# hello, and ends when the peer goes away.  Run it first:
#
#   BROKER_PORT=9999/tcp zscript run --bare connecting-listener.zs
#   BROKER_PORT=9999/tcp zscript run --bare connecting-connector.zs

redef exit_only_after_terminate = T;

function broker_port(): port
	{
	local p = getenv("BROKER_PORT");
	return p == "" ? Broker::default_port : to_port(p);
	}

event zeek_init()
	{
	local bound = Broker::listen("127.0.0.1", broker_port());
	print "listening", bound == broker_port();
	}

event Broker::peer_added(endpoint: Broker::EndpointInfo, msg: string)
	{
	print "peer added", endpoint$network$address, msg;
	print "peers", |Broker::peers()|, "outbound", Broker::peers()[0]$is_outbound;
	print "the peer is someone else", endpoint$id != Broker::node_id();
	}

event Broker::peer_lost(endpoint: Broker::EndpointInfo, msg: string)
	{
	print "peer lost", endpoint$network$address, msg;
	terminate();
	}
