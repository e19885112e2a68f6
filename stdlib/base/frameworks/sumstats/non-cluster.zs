##! SumStats in a single process: thresholds are checked as observations
##! arrive, an epoch's results go to ``$epoch_result`` key by key (in
##! batches, so a large epoch does not stall the event loop), and the last
##! timed epoch is finished when the process terminates.

@load ./main

module SumStats;

# Keys handed to $epoch_result per batch.
const epoch_result_batch = 50;

## Delivers the results of an ended epoch, a batch at a time.
global deliver_results: event(ss: SumStat, now: time, data: ResultTable);

event SumStats::deliver_results(ss: SumStat, now: time, data: ResultTable)
	{
	local done: vector of Key = vector();
	for ( key, res in data )
		{
		if ( |done| == epoch_result_batch )
			break;
		ss$epoch_result(now, key, res);
		done += key;
		}
	for ( i in done )
		delete data[done[i]];

	if ( |data| > 0 )
		schedule 0.01secs { SumStats::deliver_results(ss, now, data) };
	else if ( ss?$epoch_finished )
		ss$epoch_finished(now);
	}

function end_epoch(ss: SumStat)
	{
	local data = result_store[ss$name];
	local now = network_time();
	if ( ss?$epoch_result && |data| > 0 )
		{
		if ( zeek_is_terminating() )
			{
			for ( key, res in data )
				ss$epoch_result(now, key, res);
			if ( ss?$epoch_finished )
				ss$epoch_finished(now);
			}
		else
			event SumStats::deliver_results(ss, now, copy(data));
		}
	else if ( ss?$epoch_finished )
		ss$epoch_finished(now);

	reset(ss);
	if ( ss$epoch != 0secs && ! zeek_is_terminating() )
		schedule ss$epoch { SumStats::finish_epoch(ss) };
	}

event SumStats::finish_epoch(ss: SumStat)
	{
	# While terminating, zeek_done below finishes the epoch.
	if ( ! zeek_is_terminating() )
		end_epoch(ss);
	}

event zeek_done() &priority=10
	{
	for ( name, ss in stats_store )
		if ( ss$epoch != 0secs )
			end_epoch(ss);
	}

function data_added(ss: SumStat, key: Key, result: Result)
	{
	if ( check_thresholds(ss, key, result, 1.0) )
		threshold_crossed(ss, key, result);
	}

function request_key(ss_name: string, key: Key): Result
	{
	return when [ss_name, key] ( T )
		{
		if ( ss_name in result_store && key in result_store[ss_name] )
			return result_store[ss_name][key];
		return table();
		}
	}
