##! Cluster pattern: a worker sends an event to the manager.
##!
##! The same as the manager talking to the workers, with the topic the
##! manager subscribes to, ``Cluster::manager_topic``.  Each worker sends
##! once it sees the manager come up.  Needs a manager and workers.  Run
##! every node with the same script (the built-in layout has manager,
##! logger-1, proxy-1, worker-1 and worker-2; pass ``--layout FILE`` for
##! another), manager first, and stop them with Ctrl-C:
##!
##!     zscript run manager examples/cluster/worker-to-manager.zs
##!     zscript run worker-1 examples/cluster/worker-to-manager.zs
##!     zscript run worker-2 examples/cluster/worker-to-manager.zs

global worker_to_manager: event(worker_name: string);
global some_event_handled_on_worker: event();

event worker_to_manager(worker_name: string)
	{
	print "got event from worker", worker_name;
	}

event some_event_handled_on_worker()
	{
	Cluster::publish(Cluster::manager_topic, worker_to_manager, Cluster::node);
	}

event Cluster::node_up(name: string, id: string)
	{
	if ( Cluster::local_node_type() == Cluster::WORKER && name == "manager" )
		event some_event_handled_on_worker();
	}
