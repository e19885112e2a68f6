##! A node started by a supervisor (``Supervisor::create`` with a ``cluster``
##! table) takes its cluster from that table rather than from a layout, as
##! in Zeek: ``Cluster::nodes`` is filled from the node's configuration.

@load base/frameworks/supervisor/api
@load ./types

module Cluster::Supervisor;

export {
	## Fills ``Cluster::nodes`` from ``Supervisor::node()$cluster``; F when
	## that table is empty (the node then needs a layout as usual).
	global __init_cluster_nodes: function(): bool;
}

function __init_cluster_nodes(): bool
	{
	local cfg = Supervisor::node();

	if ( |cfg$cluster| == 0 )
		return F;

	local types: table[Supervisor::ClusterRole] of Cluster::NodeType = {
		[Supervisor::LOGGER] = Cluster::LOGGER,
		[Supervisor::MANAGER] = Cluster::MANAGER,
		[Supervisor::PROXY] = Cluster::PROXY,
		[Supervisor::WORKER] = Cluster::WORKER,
	};

	# Every node but the manager names the manager.
	local manager = "";
	for ( name, ep in cfg$cluster )
		if ( ep$role == Supervisor::MANAGER )
			manager = name;

	for ( name, ep in cfg$cluster )
		{
		local n = Cluster::Node($node_type=ep$role in types ? types[ep$role] : Cluster::NONE,
		                        $ip=ep$host, $p=ep$p);
		if ( manager != "" && n$node_type != Cluster::MANAGER )
			n$manager = manager;
		if ( ep?$metrics_port )
			n$metrics_port = ep$metrics_port;
		Cluster::nodes[name] = n;
		}

	return T;
	}
