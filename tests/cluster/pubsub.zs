# Pub/sub between node types; used by tests/test_cluster.py.
#
# Every publish waits until its receivers are up (a publish before their
# subscriptions reached the sender would be dropped by ZeroMQ):
#
# - the manager sends Test::to_workers to Cluster::worker_topic once every
#   worker of the layout is up;
# - each worker sends Test::to_manager to Cluster::manager_topic once the
#   manager is up;
# - each worker sends Test::among_workers straight to Cluster::worker_topic
#   once all the other workers are up, and Test::relay to the manager, which
#   passes it on to Cluster::worker_topic (once all workers are up there).

module Test;

export {
	global to_workers: event(msg: string);
	global to_manager: event(worker: string);
	global among_workers: event(sender: string, how: string);
	global relay: event(sender: string);
}

global sent_direct = F;
global sent_to_manager = F;
global relays_waiting: vector of string;
global manager_sent = F;

function all_workers_up(): bool
	{
	local others = Cluster::get_node_count(Cluster::WORKER);
	if ( Cluster::local_node_type() == Cluster::WORKER )
		--others;
	local up = Cluster::get_active_node_count(Cluster::WORKER);
	return up == others;
	}

function manager_up(): bool
	{
	return Cluster::get_active_node_count(Cluster::MANAGER) == 1;
	}

event to_workers(msg: string)
	{
	print fmt("%s got to_workers(%s)", Cluster::node, msg);
	}

event to_manager(worker: string)
	{
	print fmt("%s got to_manager(%s)", Cluster::node, worker);
	}

event among_workers(sender: string, how: string)
	{
	print fmt("%s got among_workers(%s, %s)", Cluster::node, sender, how);
	}

event relay(sender: string)
	{
	if ( all_workers_up() )
		Cluster::publish(Cluster::worker_topic, among_workers, sender, "via manager");
	else
		relays_waiting += sender;
	}

function progress()
	{
	if ( Cluster::local_node_type() == Cluster::MANAGER )
		{
		if ( ! all_workers_up() )
			return;
		if ( ! manager_sent )
			{
			manager_sent = T;
			Cluster::publish(Cluster::worker_topic, to_workers, "hello from the manager");
			}
		for ( _, s in relays_waiting )
			Cluster::publish(Cluster::worker_topic, among_workers, s, "via manager");
		relays_waiting = vector();
		return;
		}

	if ( Cluster::local_node_type() != Cluster::WORKER )
		return;

	if ( manager_up() && ! sent_to_manager )
		{
		sent_to_manager = T;
		Cluster::publish(Cluster::manager_topic, to_manager, Cluster::node);
		Cluster::publish(Cluster::manager_topic, relay, Cluster::node);
		}

	if ( all_workers_up() && ! sent_direct )
		{
		sent_direct = T;
		Cluster::publish(Cluster::worker_topic, among_workers, Cluster::node, "direct");
		}
	}

event Cluster::node_up(name: string, id: string)
	{
	print fmt("%s: node_up %s", Cluster::node, name);
	progress();
	}

event zeek_init()
	{
	# A cluster of one worker: nobody else to wait for.
	progress();
	}
