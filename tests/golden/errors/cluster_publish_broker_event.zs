# @error-format: zeek
# A Broker::make_event result goes out only through the Broker backend:
# elsewhere Cluster::publish refuses it (Zeek's error) and returns F.
global ping: event(n: count);

event zeek_init()
	{
	local e = Broker::make_event(ping, 1);
	print Cluster::publish("topic", e);
	}
