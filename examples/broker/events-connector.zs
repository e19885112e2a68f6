# Broker, pattern 2: remote events.  The connector sends the first ping once
# peered and the next one for each pong; it ends when the listener goes.

redef exit_only_after_terminate = T;

global ping: event(msg: string, n: count);
# The peer raises pong here: &is_used says so to the unused-handler check.
global pong: event(msg: string, n: count) &is_used;

function broker_port(): port
	{
	local p = getenv("BROKER_PORT");
	return p == "" ? Broker::default_port : to_port(p);
	}

event zeek_init()
	{
	Broker::subscribe("zscript/example/pong");
	Broker::peer("127.0.0.1", broker_port(), 1sec);
	}

event Broker::peer_added(endpoint: Broker::EndpointInfo, msg: string)
	{
	Broker::publish("zscript/example/ping", ping, "hello", 1);
	}

event pong(msg: string, n: count)
	{
	print "got pong", msg, n, "remote", is_remote_event();
	Broker::publish("zscript/example/ping", ping, msg, n + 1);
	}

event Broker::peer_lost(endpoint: Broker::EndpointInfo, msg: string)
	{
	print "peer lost", msg;
	terminate();
	}
