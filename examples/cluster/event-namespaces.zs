##! Cluster pattern: events declared in a module.
##!
##! Wherever an event of a module is raised, scheduled, published or
##! handled, write its full name (``MyModule::my_event``).  Declaring it
##! with the full name, as below, makes that a habit.  Events of the global
##! namespace, such as ``zeek_init``, need no prefix, even inside a module;
##! never write ``GLOBAL::`` for them.
##!
##! Every node raises the event for itself at once and again a second
##! later; the manager also publishes it to the workers once they are all
##! up.  Runs on any node: standalone too,
##!
##!     zscript run standalone examples/cluster/event-namespaces.zs
##!
##! or as a cluster (the built-in layout has manager, logger-1, proxy-1,
##! worker-1 and worker-2; pass ``--layout FILE`` for another), manager
##! first, stopped with Ctrl-C:
##!
##!     zscript run manager examples/cluster/event-namespaces.zs
##!     zscript run worker-1 examples/cluster/event-namespaces.zs

# Standalone, the cluster framework is not loaded by itself.
@load base/frameworks/cluster

module MyModule;

export {
	global MyModule::my_event: event(how: string);
}

event MyModule::my_event(how: string)
	{
	print "got my event", how;
	}

event zeek_init()
	{
	event MyModule::my_event("raised");
	schedule 1 sec { MyModule::my_event("scheduled") };
	}

global published = F;

event Cluster::node_up(name: string, id: string)
	{
	# Once: when two workers come up together, both node_up events can find
	# every worker active.
	if ( ! published && Cluster::local_node_type() == Cluster::MANAGER &&
	     Cluster::get_active_node_count(Cluster::WORKER) == Cluster::get_node_count(Cluster::WORKER) &&
	     Cluster::nodes[name]$node_type == Cluster::WORKER )
		{
		published = T;
		Cluster::publish(Cluster::worker_topic, MyModule::my_event, "published by the manager");
		}
	}
