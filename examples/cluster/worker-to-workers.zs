##! Cluster pattern: a worker sends an event to all workers.
##!
##! Three ways: relayed by the manager, relayed by one proxy picked round
##! robin from ``Cluster::proxy_pool``, and straight to
##! ``Cluster::worker_topic``.  The relays work with any cluster backend
##! (with Broker, workers are not connected to each other); the direct way
##! needs ZeroMQ, where every node sees every publish it subscribed to.  A
##! relayed event comes back to its sender too; a direct one does not (a
##! node never receives its own publishes).
##!
##! A worker starts once the manager, the other workers and one proxy are
##! up.  Needs a manager, proxies and workers.  Run every node with the same
##! script (the built-in layout has manager, logger-1, proxy-1, worker-1
##! and worker-2; pass ``--layout FILE`` for another), manager first, and
##! stop them with Ctrl-C:
##!
##!     zscript run manager examples/cluster/worker-to-workers.zs
##!     zscript run proxy-1 examples/cluster/worker-to-workers.zs
##!     zscript run worker-1 examples/cluster/worker-to-workers.zs
##!     zscript run worker-2 examples/cluster/worker-to-workers.zs

global worker_to_workers: event(worker_name: string);
global some_event_handled_on_worker: event();

event worker_to_workers(worker_name: string)
	{
@if ( Cluster::local_node_type() == Cluster::MANAGER ||
      Cluster::local_node_type() == Cluster::PROXY )
	# Manager and proxies only pass it on.
	Cluster::publish(Cluster::worker_topic, worker_to_workers, worker_name);
@else
	print "got event from worker", worker_name;
@endif
	}

event some_event_handled_on_worker()
	{
	# The manager reaches every worker: it can relay.
	Cluster::publish(Cluster::manager_topic, worker_to_workers,
	                 Cluster::node + " (via manager)");

	# So can any proxy.  To share the relaying work, take them in turn; the
	# key only names the round-robin sequence.
	local pt = Cluster::rr_topic(Cluster::proxy_pool, "example_key");
	Cluster::publish(pt, worker_to_workers, Cluster::node + " (via a proxy)");

	# With ZeroMQ, straight to the other workers.
	Cluster::publish(Cluster::worker_topic, worker_to_workers,
	                 Cluster::node + " (direct)");
	}

global started = F;

event Cluster::node_up(name: string, id: string)
	{
	if ( Cluster::local_node_type() != Cluster::WORKER || started )
		return;

	# (For the proxies, ask the pool: a node counts in get_active_node_count()
	# from its Cluster::hello on, but joins the pool only in its node_up.)
	if ( Cluster::get_active_node_count(Cluster::MANAGER) == 0 ||
	     Cluster::proxy_pool$alive_count == 0 ||
	     Cluster::get_active_node_count(Cluster::WORKER) + 1 < Cluster::get_node_count(Cluster::WORKER) )
		return;

	started = T;
	event some_event_handled_on_worker();
	}
