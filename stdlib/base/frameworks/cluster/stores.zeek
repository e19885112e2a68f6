##! Cluster-wide Broker data stores: ``Cluster::create_store`` (Zeek's
##! helper over ``Broker::create_master``/``create_clone``).
##!
##! The store's master lives on one node (``master_node``, by default the
##! manager), every other node gets a clone; outside a cluster the process
##! holds the master.  ``Cluster::stores`` may be redef'd to choose a store's
##! backend and options before it is created.  Zeek deprecates Broker stores
##! and refuses them under ZeroMQ; zscript keeps them working under either
##! backend (the replication goes over the cluster's own transport).

@load base/frameworks/broker
@load ./main

module Cluster;

export {
	## Where a store's master is created when its StoreInfo names no node
	## ("" means the manager).
	const default_master_node = "" &redef;
	## The backend of a store that asks for none.
	const default_backend = Broker::MEMORY &redef;
	## The backend of a store created with ``persistent=T``.
	const default_persistent_backend = Broker::SQLITE &redef;
	## If set, the directory of persistent stores' files (``<dir>/<name>.sqlite``)
	## unless their options name a file.
	const default_store_dir = "" &redef;

	## A cluster-wide data store.
	type StoreInfo: record {
		## Its name.
		name: string &optional;
		## Its handle (master or clone).
		store: opaque of Broker::Store &optional;
		## The node holding the master.
		master_node: string &default=default_master_node;
		## Whether this node holds the master.
		master: bool &default=F;
		## The master's backend.
		backend: Broker::BackendType &default=default_backend;
		## The backend's options.
		options: Broker::BackendOptions &default=Broker::BackendOptions();
		## Passed on to ``Broker::create_clone``.
		clone_resync_interval: interval &default=Broker::default_clone_resync_interval;
		## Passed on to ``Broker::create_clone``.
		clone_stale_interval: interval &default=Broker::default_clone_stale_interval;
		## Passed on to ``Broker::create_clone``.
		clone_mutation_buffer_interval: interval &default=Broker::default_clone_mutation_buffer_interval;
	};

	## The stores by name: filled by ``create_store``; redef an entry to
	## set a store's options in advance.
	global stores: table[string] of StoreInfo &default=StoreInfo() &redef;

	## Creates the store ``name`` on this node (master or clone, see above);
	## ``persistent`` asks for ``default_persistent_backend`` unless the
	## store's entry already names a persistent one.
	global create_store: function(name: string, persistent: bool &default=F): StoreInfo;
}

function create_store(name: string, persistent: bool &default=F): StoreInfo
	{
	local info = stores[name];
	info$name = name;

	if ( default_store_dir != "" && info$options$sqlite$path == "" )
		info$options$sqlite$path = default_store_dir + "/" + name + ".sqlite";

	if ( persistent && info$backend == Broker::MEMORY )
		info$backend = default_persistent_backend;

	if ( ! is_enabled() )
		{
		if ( info?$store )
			{
			Reporter::warning(fmt("duplicate cluster store creation for %s", name));
			return info;
			}
		info$store = Broker::create_master(name, info$backend, info$options);
		info$master = T;
		stores[name] = info;
		return info;
		}

	if ( info$master_node == "" )
		{
		local managers = nodes_with_type(MANAGER);
		if ( |managers| == 0 )
			Reporter::fatal(fmt("cluster store '%s' names no master node and there is no manager", name));
		info$master_node = managers[0]$name;
		}
	else if ( info$master_node !in nodes )
		Reporter::fatal(fmt("master node '%s' of cluster store '%s' is not a node of the cluster",
		                    info$master_node, name));

	if ( node == info$master_node )
		{
		info$store = Broker::create_master(name, info$backend, info$options);
		info$master = T;
		stores[name] = info;
		Cluster::log(fmt("created master store: %s", name));
		return info;
		}

	info$master = F;
	info$store = Broker::create_clone(name, info$clone_resync_interval,
	                                  info$clone_stale_interval,
	                                  info$clone_mutation_buffer_interval);
	stores[name] = info;
	Cluster::log(fmt("created clone store: %s", name));
	return info;
	}
