# Code selected per node type with @if; used by tests/test_cluster.py.
#
# Each node must print only the lines of its own type.  The handlers and
# globals inside a branch exist only on the nodes of that type.

@if ( Cluster::local_node_type() == Cluster::MANAGER )
global role = "manager";
event zeek_init()
	{
	print "only on the manager";
	}
@endif

@if ( Cluster::local_node_type() == Cluster::LOGGER )
global role = "logger";
event zeek_init()
	{
	print "only on a logger";
	}
@endif

@if ( Cluster::local_node_type() == Cluster::PROXY )
global role = "proxy";
event zeek_init()
	{
	print "only on a proxy";
	}
@else
event zeek_init()
	{
	print "anywhere but on a proxy";
	}
@endif

@if ( Cluster::local_node_type() == Cluster::WORKER )
global role = "worker";
event zeek_init()
	{
	print "only on a worker";
	}
@endif

@if ( Cluster::local_node_type() == Cluster::MANAGER || Cluster::local_node_type() == Cluster::PROXY )
event zeek_init()
	{
	print "on the manager or a proxy";
	}
@endif

@if ( Cluster::node == "worker-2" )
event zeek_init()
	{
	print "only on worker-2 (by name)";
	}
@endif

event zeek_init() &priority=-10
	{
	print fmt("%s is a %s (%s)", Cluster::node, role, Cluster::local_node_type());
	}
