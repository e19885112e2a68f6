# The manager ticks the workers every 200 ms; each worker answers every tick.
# Every node prints node_up/node_down and its NATS connection events; used by
# tests/test_cluster_nats.py.

module Test;

export {
	global tick: event(n: count);
	global tock: event(name: string, n: count);
}

global ticks = 0;

event Cluster::node_up(name: string, id: string)
	{
	print fmt("node_up %s", name);
	}

event Cluster::node_down(name: string, id: string)
	{
	print fmt("node_down %s", name);
	}

event Cluster::Backend::NATS::connection(what: string, server: string)
	{
	print fmt("connection %s", what);
	}

event send_tick()
	{
	++ticks;
	Cluster::publish(Cluster::worker_topic, tick, ticks);
	schedule 200msec { send_tick() };
	}

event zeek_init()
	{
	if ( Cluster::local_node_type() == Cluster::MANAGER )
		schedule 200msec { send_tick() };
	}

event tick(n: count)
	{
	Cluster::publish(Cluster::manager_topic, tock, Cluster::node, n);
	}

event tock(name: string, n: count)
	{
	print fmt("tock %s %d", name, n);
	}
