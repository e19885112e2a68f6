# Broker, pattern 2: remote events.  The listener answers each ping on
# topic "zscript/example/ping" with a pong on "zscript/example/pong" and
# ends after the third.
#
#   BROKER_PORT=9999/tcp zscript run --bare events-listener.zs
#   BROKER_PORT=9999/tcp zscript run --bare events-connector.zs

redef exit_only_after_terminate = T;

# The peer raises ping here: &is_used says so to the unused-handler check.
global ping: event(msg: string, n: count) &is_used;
global pong: event(msg: string, n: count);

function broker_port(): port
	{
	local p = getenv("BROKER_PORT");
	return p == "" ? Broker::default_port : to_port(p);
	}

event zeek_init()
	{
	Broker::subscribe("zscript/example/ping");
	Broker::listen("127.0.0.1", broker_port());
	}

event ping(msg: string, n: count)
	{
	print "got ping", msg, n, "remote", is_remote_event();
	# Two ways to publish: an event made first, or the event and its arguments.
	if ( n % 2 == 0 )
		Broker::publish("zscript/example/pong", Broker::make_event(pong, msg, n));
	else
		Broker::publish("zscript/example/pong", pong, msg, n);
	if ( n == 3 )
		terminate();
	}
