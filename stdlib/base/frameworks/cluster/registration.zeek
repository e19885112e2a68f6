##! Processes that join a running cluster at run time register with the
##! manager, which lists them in its ``/services.json`` (Prometheus service
##! discovery), beside the nodes of the layout.  Zeek builds that document
##! from the static layout only.
##!
##! A process outside the layout (connected to the cluster's backend: a
##! client of the central ZeroMQ proxy, or any process on the cluster's NATS
##! servers) calls :zeek:see:`Cluster::register_node` with its name, type,
##! address and metrics port.  It then publishes ``Cluster::node_registration``
##! to the manager every ``registration_interval``; the manager keeps the
##! entry in ``registered_nodes`` while these keep coming, and drops it
##! ``registration_lease`` after the last one (the process went away).
##! Repeating also covers a registration published before the manager's
##! subscription reached the process.
##!
##! Registration never makes a process a node of the layout: ``Cluster::nodes``
##! stays as the layout says, ``Cluster::hello`` from a name outside it is
##! still refused, and a registration under a layout node's name is refused
##! with a warning (the layout's nodes join with ``Cluster::hello``).

@load ./main

module Cluster;

export {
	## How often a registered process renews its registration.
	const registration_interval: interval = 2sec &redef;
	## How long the manager keeps a registration that is not renewed.
	const registration_lease: interval = 7sec &redef;

	## Register this process with the manager under ``name``.
	global register_node: function(name: string, n: Node): bool;

	## Sent by a registered process to the manager (and renewed).
	global node_registration: event(name: string, id: string, n: Node);
	## On the manager: ``name`` registered (first time, or again after it lapsed).
	global node_registered: event(name: string, n: Node) &is_used;
	## On the manager: the registration of ``name`` lapsed.
	global node_unregistered: event(name: string) &is_used;
}

## On the manager: the processes registered at run time, by name.
global registered_nodes: table[string] of Node;
# When each registration was last renewed (network time).
global renewed: table[string] of time;
global sweeping = F;

# On the manager, while registrations exist: drop those not renewed for
# registration_lease.  (No table expiry: a process without registrations
# keeps no timer for them.)
event sweep_registrations()
	{
	local lapsed: vector of string;

	for ( name, t in renewed )
		if ( network_time() - t > registration_lease )
			lapsed += name;

	for ( _, name in lapsed )
		{
		delete renewed[name];
		delete registered_nodes[name];
		event Cluster::node_unregistered(name);
		}

	sweeping = |renewed| > 0;

	if ( sweeping )
		schedule registration_interval { sweep_registrations() };
	}

global my_registration: NamedNode;
global registering = F;

event renew_registration()
	{
	Cluster::publish(Cluster::manager_topic, Cluster::node_registration,
	                 my_registration$name, Cluster::node_id(), my_registration$node);
	schedule registration_interval { renew_registration() };
	}

function register_node(name: string, n: Node): bool
	{
	if ( name in Cluster::nodes )
		{
		Reporter::error(fmt("Cluster::register_node: '%s' is a node of the layout", name));
		return F;
		}

	my_registration = NamedNode($name=name, $node=n);

	if ( ! registering )
		{
		registering = T;
		event renew_registration();
		}

	return T;
	}

event Cluster::node_registration(name: string, id: string, n: Node)
	{
	if ( Cluster::local_node_type() != Cluster::MANAGER )
		return;

	if ( name in Cluster::nodes )
		{
		Reporter::warning(fmt("refused the registration of '%s' (id %s): a node of the layout", name, id));
		return;
		}

	n$id = id;
	local known = name in registered_nodes;
	registered_nodes[name] = n;
	renewed[name] = network_time();

	if ( ! known )
		event Cluster::node_registered(name, n);

	if ( ! sweeping )
		{
		sweeping = T;
		schedule registration_interval { sweep_registrations() };
		}
	}
