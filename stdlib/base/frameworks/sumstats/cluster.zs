##! SumStats on a cluster: workers observe, the manager merges.
##!
##! Workers keep their own part of each epoch's results.  The manager owns
##! the epochs: when one ends (timed, or :zeek:see:`SumStats::next_epoch`
##! on the manager) it asks every worker for its part
##! (:zeek:see:`SumStats::cluster_epoch_request`); each worker sends its
##! results in batches (:zeek:see:`SumStats::cluster_epoch_data`) and
##! starts a new epoch; once all workers have answered, the manager merges
##! the parts key by key (the plugins' ``merge_hook``), checks thresholds,
##! calls ``$epoch_result`` for each key and then ``$epoch_finished``.
##!
##! Thresholds between epochs: when a worker's own part of a key, scaled up
##! as if it were :zeek:see:`SumStats::cluster_request_global_view_percent`
##! of the whole, reaches the next threshold, the worker asks the manager
##! for a *global view* of that key; the manager collects every worker's
##! part (:zeek:see:`SumStats::cluster_get_result`), merges and checks, and
##! tells the workers which level the key has crossed.
##! :zeek:see:`SumStats::request_key` on the manager collects a key the
##! same way and returns the merged result (on a worker it returns an
##! empty result).

@load base/frameworks/cluster
@load ./main

module SumStats;

export {
	## The share of the whole a worker assumes its own part of a key is,
	## when deciding whether to ask for a global view.
	const cluster_request_global_view_percent = 0.2 &redef;

	## How many global views of one SumStat may be outstanding at once.
	const max_outstanding_global_views = 10 &redef;

	## How many keys a worker sends per :zeek:see:`SumStats::cluster_epoch_data`.
	const cluster_epoch_batch = 100 &redef;

	## Manager to workers: the epoch of ``ss_name`` ended, send your part
	## (request ``uid``) and start a new one.
	global cluster_epoch_request: event(uid: string, ss_name: string);

	## Worker to manager: part of the answer to request ``uid``; ``last``
	## on the worker's final batch.
	global cluster_epoch_data: event(uid: string, ss_name: string, data: ResultTable, last: bool);

	## Worker to manager: ``key`` of ``ss_name`` may be near a threshold.
	global cluster_key_intermediate_response: event(ss_name: string, key: Key);

	## Manager to workers: send your part of ``key`` (request ``uid``).
	global cluster_get_result: event(uid: string, ss_name: string, key: Key);

	## Worker to manager: a worker's part of ``key`` (empty if none).
	global cluster_send_result: event(uid: string, ss_name: string, key: Key, result: Result);

	## Manager to workers: ``key`` has crossed ``level`` thresholds.
	global cluster_threshold_crossed: event(ss_name: string, key: Key, level: count);
}

# Keys a global view was recently asked for, per SumStat.
global recent_global_view_keys: set[string, Key] &create_expire=1min;

@if ( Cluster::local_node_type() != Cluster::MANAGER )

function data_added(ss: SumStat, key: Key, result: Result)
	{
	if ( [ss$name, key] in recent_global_view_keys )
		return;
	if ( check_thresholds(ss, key, result, cluster_request_global_view_percent) )
		{
		add recent_global_view_keys[ss$name, key];
		Cluster::publish(Cluster::manager_topic, SumStats::cluster_key_intermediate_response,
		                 ss$name, key);
		}
	}

event SumStats::cluster_epoch_request(uid: string, ss_name: string)
	{
	local data: ResultTable = ss_name in result_store ? result_store[ss_name] : table();
	if ( ss_name in stats_store )
		reset(stats_store[ss_name]);

	local batch: ResultTable = table();
	for ( key, res in data )
		{
		batch[key] = res;
		if ( |batch| == cluster_epoch_batch )
			{
			Cluster::publish(Cluster::manager_topic, SumStats::cluster_epoch_data,
			                 uid, ss_name, batch, F);
			batch = table();
			}
		}
	Cluster::publish(Cluster::manager_topic, SumStats::cluster_epoch_data,
	                 uid, ss_name, batch, T);
	}

event SumStats::cluster_get_result(uid: string, ss_name: string, key: Key)
	{
	local res: Result = table();
	if ( ss_name in result_store && key in result_store[ss_name] )
		res = result_store[ss_name][key];
	Cluster::publish(Cluster::manager_topic, SumStats::cluster_send_result,
	                 uid, ss_name, key, res);
	}

event SumStats::cluster_threshold_crossed(ss_name: string, key: Key, level: count)
	{
	if ( ss_name !in threshold_tracker )
		threshold_tracker[ss_name] = table();
	threshold_tracker[ss_name][key] = level;
	}

function request_key(ss_name: string, key: Key): Result
	{
	return Result();
	}

event SumStats::finish_epoch(ss: SumStat)
	{
	# The manager ends the epochs; a worker's part goes when it asks.
	}

@endif

@if ( Cluster::local_node_type() == Cluster::MANAGER )

# A collection from the workers in progress: an epoch's results or one
# key's parts.
type Collection: record {
	ss_name: string;
	## How many workers are to answer, and how many have.
	expected: count;
	answered: count &default=0;
	## The epoch's merged results so far.
	data: ResultTable &default=table();
	## The key's merged parts so far.
	key: Key &optional;
	result: Result &default=table();
	## A request_key() call (no threshold check) rather than a global view.
	on_demand: bool &default=F;
};

global collections: table[string] of Collection &create_expire=1min
	&expire_func=function(t: table[string] of Collection, uid: string): interval
		{
		Reporter::warning(fmt("SumStats: workers did not answer request %s for %s within a minute",
		                      uid, t[uid]$ss_name));
		return 0secs;
		};

# Outstanding global views, per SumStat.
global outstanding_global_views: table[string] of set[string];

function active_workers(): count
	{
	return Cluster::get_active_node_count(Cluster::WORKER);
	}

# Merges ``res`` into the results of ``key`` in ``into``.
function merge_into(into: ResultTable, key: Key, res: Result)
	{
	into[key] = key in into ? merge_results(into[key], res) : res;
	}

function finish_collected_epoch(ss: SumStat, data: ResultTable)
	{
	local now = network_time();
	for ( key, res in data )
		{
		if ( check_thresholds(ss, key, res, 1.0) )
			threshold_crossed(ss, key, res);
		if ( ss?$epoch_result && |res| > 0 )
			ss$epoch_result(now, key, res);
		}
	if ( ss?$epoch_finished )
		ss$epoch_finished(now);
	if ( ss$name in threshold_tracker )
		threshold_tracker[ss$name] = table();
	}

event SumStats::finish_epoch(ss: SumStat)
	{
	if ( network_time() > double_to_time(0.0) )
		{
		# The manager's own observations, if any, are part of the epoch.
		local c = Collection($ss_name=ss$name, $expected=active_workers(),
		                     $data=copy(result_store[ss$name]));
		# The thresholds crossed stay until the collected epoch is checked.
		result_store[ss$name] = table();
		if ( c$expected == 0 )
			finish_collected_epoch(ss, c$data);
		else
			{
			local uid = unique_id("");
			collections[uid] = c;
			Cluster::publish(Cluster::worker_topic, SumStats::cluster_epoch_request, uid, ss$name);
			}
		}
	if ( ss$epoch != 0secs )
		schedule ss$epoch { SumStats::finish_epoch(ss) };
	}

event SumStats::cluster_epoch_data(uid: string, ss_name: string, data: ResultTable, last: bool)
	{
	if ( uid !in collections )
		return;
	local c = collections[uid];
	for ( key, res in data )
		merge_into(c$data, key, res);
	if ( ! last )
		return;
	++c$answered;
	if ( c$answered < c$expected )
		return;
	delete collections[uid];
	finish_collected_epoch(stats_store[ss_name], c$data);
	}

# Tells everyone that ``key`` crossed its next threshold.
function crossed_cluster_wide(ss: SumStat, key: Key, result: Result)
	{
	threshold_crossed(ss, key, result);
	Cluster::publish(Cluster::worker_topic, SumStats::cluster_threshold_crossed,
	                 ss$name, key, thresholds_crossed(ss$name, key));
	}

function data_added(ss: SumStat, key: Key, result: Result)
	{
	if ( check_thresholds(ss, key, result, 1.0) )
		crossed_cluster_wide(ss, key, result);
	}

# Asks the workers for their parts of ``key``.
function collect_key(ss_name: string, key: Key, on_demand: bool): string
	{
	local uid = unique_id("");
	local c = Collection($ss_name=ss_name, $expected=active_workers(), $key=key,
	                     $on_demand=on_demand);
	# The manager's own part, if any.
	if ( ss_name in result_store && key in result_store[ss_name] )
		c$result = copy(result_store[ss_name][key]);
	collections[uid] = c;
	Cluster::publish(Cluster::worker_topic, SumStats::cluster_get_result, uid, ss_name, key);
	return uid;
	}

event SumStats::cluster_key_intermediate_response(ss_name: string, key: Key)
	{
	if ( [ss_name, key] in recent_global_view_keys || ss_name !in stats_store )
		return;
	add recent_global_view_keys[ss_name, key];

	if ( ss_name !in outstanding_global_views )
		outstanding_global_views[ss_name] = set();
	if ( |outstanding_global_views[ss_name]| >= max_outstanding_global_views )
		return;
	add outstanding_global_views[ss_name][collect_key(ss_name, key, F)];
	}

event SumStats::cluster_send_result(uid: string, ss_name: string, key: Key, result: Result)
	{
	if ( uid !in collections )
		return;
	local c = collections[uid];
	c$result = merge_results(c$result, result);
	++c$answered;
	# request_key() below waits for the last answer itself.
	if ( c$answered < c$expected || c$on_demand )
		return;

	delete collections[uid];
	if ( ss_name in outstanding_global_views )
		delete outstanding_global_views[ss_name][uid];
	local ss = stats_store[ss_name];
	if ( check_thresholds(ss, key, c$result, 1.0) )
		crossed_cluster_wide(ss, key, c$result);
	}

function request_key(ss_name: string, key: Key): Result
	{
	local uid = collect_key(ss_name, key, T);
	return when [uid, key, ss_name] ( uid !in collections ||
	                                  collections[uid]$answered >= collections[uid]$expected )
		{
		if ( uid !in collections )
			return Result();
		local res = collections[uid]$result;
		delete collections[uid];
		return res;
		}
	timeout 1.1min
		{
		Reporter::warning(fmt("SumStats: request for key %s of %s timed out", key2str(key), ss_name));
		return Result();
		}
	}

@endif
