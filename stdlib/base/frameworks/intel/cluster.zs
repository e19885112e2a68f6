##! Intel on a cluster: the manager holds the full data, workers only the
##! indicators.
##!
##! Items inserted anywhere go to the manager (a worker's through
##! ``insert_item``); each indicator new to the manager goes to the workers
##! (``insert_indicator``, through a proxy when there is one), and a worker
##! that comes up gets the manager's whole indicator store.  A worker that
##! sees an indicator asks the manager (``match_remote``), which raises
##! :zeek:see:`Intel::match` with the items.  Removals go through the
##! manager too, which tells the workers when an indicator is gone.

@load base/frameworks/cluster
@load ./main

module Intel;

## To the manager: insert this item.
global insert_item: event(item: Item);
## To the workers (or a proxy, which passes it on): a new indicator.
global insert_indicator: event(item: Item);
## To a worker that came up: the manager's indicators.
global new_min_data_store: event(store: MinDataStore);

## Whether the manager sends its indicators to each worker that comes up.
const send_store_on_node_up = T &redef;

@if ( Cluster::local_node_type() != Cluster::MANAGER )
redef have_full_data = F;
@endif

@if ( Cluster::local_node_type() == Cluster::MANAGER )

event Intel::remove_indicator(item: Item)
	{
	Cluster::publish(Cluster::worker_topic, Intel::remove_indicator, item);
	}

event Cluster::node_up(name: string, id: string)
	{
	if ( send_store_on_node_up && name in Cluster::nodes &&
	     Cluster::nodes[name]$node_type == Cluster::WORKER )
		Cluster::publish(Cluster::node_topic(name), Intel::new_min_data_store, min_data_store);
	}

event Intel::new_item(item: Item) &priority=5
	{
	local topic = Cluster::rr_topic(Cluster::proxy_pool, "intel_insert_rr_key");
	Cluster::publish(topic != "" ? topic : Cluster::worker_topic, Intel::insert_indicator, item);
	}

event Intel::insert_item(item: Item) &priority=5
	{
	_insert(item, T);
	}

event Intel::remove_item(item: Item, purge_indicator: bool) &priority=5
	{
	remove(item, purge_indicator);
	}

event Intel::match_remote(s: Seen) &priority=5
	{
	if ( find(s) )
		event Intel::match(s, get_items(s));
	}

@endif

@if ( Cluster::local_node_type() == Cluster::WORKER )

event Intel::match_remote(s: Seen)
	{
	Cluster::publish(Cluster::manager_topic, Intel::match_remote, s);
	}

event Intel::remove_item(item: Item, purge_indicator: bool)
	{
	Cluster::publish(Cluster::manager_topic, Intel::remove_item, item, purge_indicator);
	}

event Intel::new_item(item: Item) &priority=5
	{
	Cluster::publish(Cluster::manager_topic, Intel::insert_item, item);
	}

event Intel::insert_indicator(item: Item) &priority=5
	{
	_insert(item, F);
	}

# Runs hook ``h`` for every indicator of ``store``.
function each_indicator(store: MinDataStore, h: hook(v: string, t: Intel::Type))
	{
	for ( a in store$host_data )
		hook h(cat(a), ADDR);
	for ( net in store$subnet_data )
		hook h(cat(net), SUBNET);
	for ( [v, t] in store$string_data )
		hook h(v, t);
	}

event Intel::new_min_data_store(store: MinDataStore)
	{
	each_indicator(min_data_store, Intel::indicator_removed);
	min_data_store = store;
	each_indicator(min_data_store, Intel::indicator_inserted);
	}

@endif

@if ( Cluster::local_node_type() == Cluster::PROXY )

event Intel::insert_indicator(item: Item) &priority=5
	{
	Cluster::publish(Cluster::worker_topic, Intel::insert_indicator, item);
	}

@endif
