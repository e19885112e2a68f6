##! The cluster framework (``@load base/frameworks/cluster``).
##!
##! ``zscript run NODE`` loads it by itself, after providing the layout as the
##! script ``cluster-layout`` (Zeek's zeekctl writes the same file).

@load ./types
@load ./main
@load ./pools
@load ./pubsub
@load ./websocket
@load ./publish-on-change
@load ./telemetry
@load ./stores
@load ./registration

@if ( Cluster::is_enabled() )

# A node describes itself by its name (a notice's peer_descr, intel's
# seen.node, a weird's peer), as in Zeek.
redef peer_description = Cluster::node;

@if ( Supervisor::is_supervised() )
# Started by a supervisor: the nodes come from the node's configuration;
# with a logger among them the manager is not the logger.
@load ./supervisor
@if ( Cluster::Supervisor::__init_cluster_nodes() && Cluster::get_node_count(Cluster::LOGGER) > 0 )
redef Cluster::manager_is_logger = F;
@endif
@endif

@if ( |Cluster::nodes| == 0 )
# No nodes yet: the layout comes from the script "cluster-layout".
@load cluster-layout
@endif

@if ( Cluster::node in Cluster::nodes )
@load ./setup-subscriptions

@if ( Cluster::local_node_type() == Cluster::MANAGER )
@load ./nodes/manager
@if ( Cluster::manager_is_logger )
@load ./nodes/logger
@endif
@endif

@if ( Cluster::local_node_type() == Cluster::LOGGER )
@load ./nodes/logger
@endif

@if ( Cluster::local_node_type() == Cluster::PROXY )
@load ./nodes/proxy
@endif

@if ( Cluster::local_node_type() == Cluster::WORKER )
@load ./nodes/worker
@endif
@endif

@endif

# Metrics: every node serves /metrics on its layout metrics_port (the manager
# also /services.json); Telemetry::metrics_port comes from Cluster::nodes, so
# this loads after the layout.
@load base/frameworks/telemetry
