# Run-time registration (base/frameworks/cluster/registration); used by
# tests/test_cluster_nats.py, on NATS and on ZeroMQ.  On the manager: prints
# registrations coming and going.  In a process outside the layout
# (Test::register_as set): it registers under that name with Test::metrics,
# and also sends a registration under a layout node's name (as an impostor
# that does not know the layout would), which the manager refuses.

module Test;

export {
	const register_as = "" &redef;
	const metrics = 0/tcp &redef;
}

redef Cluster::registration_lease = 2sec;
redef Cluster::registration_interval = 500msec;

event Cluster::node_registered(name: string, n: Cluster::Node)
	{
	print fmt("registered %s %s %s", name, n$ip, n$metrics_port);
	}

event Cluster::node_unregistered(name: string)
	{
	print fmt("unregistered %s", name);
	}

# Repeated, as the framework repeats registrations: on ZeroMQ a publish
# before the manager's subscription has reached this process goes nowhere.
event impostor(n: Cluster::Node)
	{
	Cluster::publish(Cluster::manager_topic, Cluster::node_registration, "worker-1", "impostor", n);
	schedule Cluster::registration_interval { impostor(n) };
	}

event zeek_init() &priority=-10
	{
	if ( register_as == "" )
		return;

	local n = Cluster::Node($node_type=Cluster::WORKER, $ip=127.0.0.1, $metrics_port=metrics);
	print fmt("register %s: %s", register_as, Cluster::register_node(register_as, n));
	event impostor(n);
	}
