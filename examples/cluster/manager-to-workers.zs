##! Cluster pattern: the manager sends an event to every worker.
##!
##! Publishing to ``Cluster::worker_topic`` reaches all workers, since each
##! of them subscribes to it.  The manager waits until every worker of the
##! layout is up: an event published before a receiver's subscription has
##! reached the sender is lost.  Also shows three ways to run code on the
##! manager only.  Needs a manager and workers.  Run every node with the
##! same script (the built-in layout has manager, logger-1, proxy-1,
##! worker-1 and worker-2; pass ``--layout FILE`` for another), manager
##! first, and stop them with Ctrl-C:
##!
##!     zscript run manager examples/cluster/manager-to-workers.zs
##!     zscript run worker-1 examples/cluster/manager-to-workers.zs
##!     zscript run worker-2 examples/cluster/manager-to-workers.zs

global manager_to_workers: event(s: string);
global some_event_handled_on_manager: event();

# Two workers' hellos can be handled before either's node_up runs, and
# then both node_up handlers find every worker active: send only once.
global sent_to_workers = F;

event manager_to_workers(s: string)
	{
	print "got event from manager", s;
	}

event some_event_handled_on_manager()
	{
	Cluster::publish(Cluster::worker_topic, manager_to_workers, "hello v0");

	# Only the manager raises this event, so the checks below are not
	# needed; they show how to tell nodes apart.

	# By the node's name:
	if ( Cluster::node == "manager" )
		Cluster::publish(Cluster::worker_topic, manager_to_workers, "hello v1");

	# By the node's type:
	if ( Cluster::local_node_type() == Cluster::MANAGER )
		Cluster::publish(Cluster::worker_topic, manager_to_workers, "hello v2");

	# Decided once, when the script is loaded: on other nodes the line
	# below does not exist at all.
@if ( Cluster::local_node_type() == Cluster::MANAGER )
	Cluster::publish(Cluster::worker_topic, manager_to_workers, "hello v3");
@endif
	}

event Cluster::node_up(name: string, id: string)
	{
	if ( Cluster::local_node_type() != Cluster::MANAGER )
		return;

	if ( Cluster::nodes[name]$node_type != Cluster::WORKER )
		return;

	if ( ! sent_to_workers &&
	     Cluster::get_active_node_count(Cluster::WORKER) == Cluster::get_node_count(Cluster::WORKER) )
		{
		sent_to_workers = T;
		event some_event_handled_on_manager();
		}
	}
