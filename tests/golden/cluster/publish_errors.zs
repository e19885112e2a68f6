# Errors of the cluster built-ins are reported at the call, worded as Zeek's
# (src/cluster/BifSupport.cc, Backend.cc); the call returns F (publish) or an
# empty Cluster::Event (make_event) and the handler goes on.

global greet: event(who: string, n: count);
global h: hook(who: string);

function f(who: string) { }

type NotAnEvent: record { x: count &default=1; };

event zeek_init()
	{
	print Cluster::publish("t");
	print Cluster::publish("t", greet);
	print Cluster::publish("t", greet, "a", "b");
	print Cluster::publish("t", h, "a");
	print Cluster::publish("t", 42);
	local r = NotAnEvent();
	print Cluster::publish("t", r);
	print Cluster::make_event();
	print Cluster::make_event(f, "a");
	print Cluster::make_event("greet");
	print Cluster::make_event(greet, 1);
	local e = Cluster::make_event(greet, "a", 1);
	print e$args;
	# Not connected to a cluster: nothing is sent, no error.
	print Cluster::publish("t", e);
	print Cluster::publish("t", greet, "a", 2);
	}
