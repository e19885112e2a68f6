# @error-format: zeek
# With the Broker backend selected, a node that has no peers (here: a
# standalone run) accepts what it publishes and drops it, as Zeek's Broker
# manager does (PublishEvent returns T without peers); errors still come
# first.  Arguments of a variadic built-in show as written in the error
# text (no coercion to any), like Zeek's `va_args: any` BIFs.
@load frameworks/cluster/backend/broker

module Cluster;

global ping: event(n: count);

type NotAnEvent: record { x: count &default=1; };

event zeek_init()
	{
	init_pool_node(Cluster::proxy_pool, "proxy-1");
	mark_pool_node_alive(Cluster::proxy_pool, "proxy-1");
	print Cluster::publish("topic", ping, 1);
	print Cluster::publish("topic", Broker::make_event(ping, 2));
	print Cluster::publish_hrw(Cluster::proxy_pool, "key", ping, 3);
	print Cluster::publish_rr(Cluster::proxy_pool, "key", ping, 4);
	print Cluster::publish_hrw(Cluster::proxy_pool, "key", NotAnEvent());
	print Cluster::publish("topic", ping, "no");
	}
