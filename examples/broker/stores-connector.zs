# Broker, pattern 4: data stores.  The connector clones store "example"
# once peered, reads it, writes "c", and asks the master to look.

redef exit_only_after_terminate = T;

global h: opaque of Broker::Store;
global check: event();
# The peer raises done here: &is_used says so to the unused-handler check.
global done: event() &is_used;

function broker_port(): port
	{
	local p = getenv("BROKER_PORT");
	return p == "" ? Broker::default_port : to_port(p);
	}

event zeek_init()
	{
	Broker::subscribe("zscript/example/done");
	Broker::peer("127.0.0.1", broker_port(), 1sec);
	}

event ask()
	{
	Broker::publish("zscript/example/check", check);
	}

event query()
	{
	when ( local r = Broker::get(h, "a") )
		{
		print "clone: a", r$status, r$result as count;
		when ( local k = Broker::keys(h) )
			{
			print "clone: keys", k$result as set[string];
			Broker::put(h, "c", 3);
			schedule 1sec { ask() };
			}
		timeout 5sec
			{
			print "clone: no keys";
			}
		}
	timeout 5sec
		{
		print "clone: no answer";
		}
	}

event Broker::peer_added(endpoint: Broker::EndpointInfo, msg: string)
	{
	h = Broker::create_clone("example");
	schedule 1sec { query() };
	}

event done()
	{
	terminate();
	}
