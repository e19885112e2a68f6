##! Every cluster node subscribes, at ``zeek_init`` (priority -5, after the
##! pools are filled), to: the topics of the pools it is in, the topic of its
##! node type, its process's ``nodeid_topic`` and its ``node_topic``.

@load ./main
@load ./pools

module Cluster;

event zeek_init() &priority=-5
	{
	if ( getenv("ZEEKCTL_CHECK_CONFIG") != "" || node !in nodes )
		return;

	for ( _, p in registered_pools )
		if ( node in p$nodes )
			Cluster::subscribe(p$spec$topic);

	switch ( nodes[node]$node_type ) {
	case LOGGER:
		Cluster::subscribe(logger_topic);
		break;
	case MANAGER:
		Cluster::subscribe(manager_topic);
		break;
	case PROXY:
		Cluster::subscribe(proxy_topic);
		break;
	case WORKER:
		Cluster::subscribe(worker_topic);
		break;
	default:
		return;
	}

	Cluster::subscribe(nodeid_topic(node_id()));
	Cluster::subscribe(node_topic(node));
	}
