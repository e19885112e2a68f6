# Broker, pattern 4: data stores.  The listener holds the master of store
# "example"; the connector's clone reads it and writes to it.
#
#   BROKER_PORT=9999/tcp zscript run --bare stores-listener.zs
#   BROKER_PORT=9999/tcp zscript run --bare stores-connector.zs

redef exit_only_after_terminate = T;

global h: opaque of Broker::Store;
# The peer raises check here: &is_used says so to the unused-handler check.
global check: event() &is_used;
global done: event();

function broker_port(): port
	{
	local p = getenv("BROKER_PORT");
	return p == "" ? Broker::default_port : to_port(p);
	}

event zeek_init()
	{
	h = Broker::create_master("example");
	Broker::put(h, "a", 1);
	Broker::put(h, "b", "two");
	Broker::subscribe("zscript/example/check");
	Broker::listen("127.0.0.1", broker_port());
	}

# The connector asks once its write should have reached the master.
event check()
	{
	when ( local r = Broker::get(h, "c") )
		{
		print "master: c", r$status, r$result as count;
		Broker::publish("zscript/example/done", done);
		}
	timeout 5sec
		{
		print "master: no answer";
		}
	}

event Broker::peer_lost(endpoint: Broker::EndpointInfo, msg: string)
	{
	terminate();
	}
