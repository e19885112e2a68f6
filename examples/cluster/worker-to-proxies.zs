##! Cluster pattern: a worker spreads events over the proxies.
##!
##! ``Cluster::publish_hrw`` picks one proxy of ``Cluster::proxy_pool`` per
##! key by rendezvous (highest random weight) hashing: keys spread evenly,
##! a key always goes to the same proxy while the pool stays the same, and
##! when a proxy goes down only its keys move, until it is back.
##!
##! Each worker sends ten events once all proxies of the layout are up.
##! Needs proxies and workers (and the manager, which runs the central
##! ZeroMQ proxy).  Run every node with the same script (the built-in layout
##! has manager, logger-1, proxy-1, worker-1 and worker-2; pass
##! ``--layout FILE`` for another), manager first, and stop them with
##! Ctrl-C:
##!
##!     zscript run manager examples/cluster/worker-to-proxies.zs
##!     zscript run proxy-1 examples/cluster/worker-to-proxies.zs
##!     zscript run worker-1 examples/cluster/worker-to-proxies.zs

global worker_to_proxies: event(worker_name: string, key: string);
global some_event_handled_on_worker: event();

event worker_to_proxies(worker_name: string, key: string)
	{
	print "got event from worker", worker_name, key;
	}

global my_counter = 0;

event some_event_handled_on_worker()
	{
	# Keys that are equal go to the same proxy; different keys may not.
	local key = cat("example_key", ++my_counter);
	Cluster::publish_hrw(Cluster::proxy_pool, key, worker_to_proxies, Cluster::node, key);
	}

global started = F;

event Cluster::node_up(name: string, id: string)
	{
	if ( Cluster::local_node_type() != Cluster::WORKER || started )
		return;

	# Ask the pool: a node counts in get_active_node_count() from its
	# Cluster::hello on, but joins the pool only in its node_up.
	if ( Cluster::proxy_pool$alive_count < |Cluster::proxy_pool$node_list| )
		return;

	started = T;
	local i = 0;
	while ( i < 10 )
		{
		event some_event_handled_on_worker();
		++i;
		}
	}
