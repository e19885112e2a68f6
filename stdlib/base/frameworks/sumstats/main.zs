##! SumStats: summary statistics over streams of observations (Zeek's
##! ``base/frameworks/sumstats``).
##!
##! A script creates a *SumStat* (:zeek:see:`SumStats::create`) naming one or
##! more *reducers*; each reducer listens to a stream of observations
##! (:zeek:see:`SumStats::observe`) and applies calculations to them, one
##! :zeek:see:`SumStats::ResultVal` per key (a host, a string, or both).
##! At the end of every epoch the SumStat hands each key's
##! :zeek:see:`SumStats::Result` to ``$epoch_result``, then calls
##! ``$epoch_finished`` and starts over; an epoch of ``0secs`` ends only when
##! the script asks (:zeek:see:`SumStats::next_epoch`).  A threshold
##! (``$threshold`` or the rising ``$threshold_series``) on the value
##! ``$threshold_val`` computes calls ``$threshold_crossed`` once per key
##! and level, as soon as the key reaches it.
##!
##! The calculations are plugins (``plugins/``): each registers, for its
##! :zeek:see:`SumStats::Calculation`, how to fold one observation into a
##! result value (:zeek:see:`SumStats::register_calc`), which calculations
##! it needs first and in which rank it runs, and it handles
##! :zeek:see:`SumStats::init_hook` (a fresh result value) and
##! :zeek:see:`SumStats::merge_hook` (two partial result values combined,
##! as the cluster manager does with the workers' parts).
##!
##! This file holds what every process shares; ``non-cluster.zs`` and
##! ``cluster.zs`` decide when epochs end and where thresholds are checked.

module SumStats;

export {
	## The calculations a reducer can apply (the plugins add them).
	type Calculation: enum {
		## Never applied: keeps the enum non-empty until the plugins load.
		PLACEHOLDER
	};

	## What observations are grouped by.
	type Key: record {
		## A string key.
		str: string &optional;
		## A host key.
		host: addr &optional;
	};

	## One observation: a number, a double or a string (a number or a
	## double is the value the numeric calculations use; with neither the
	## value is 1).
	type Observation: record {
		num: count &optional;
		dbl: double &optional;
		str: string &optional;
	};

	## A reducer: the calculations applied to one stream of a SumStat.
	type Reducer: record {
		## The observation stream it reads.
		stream: string;
		## The calculations.
		apply: set[Calculation];
		## Drop observations for which this returns F.
		pred: function(key: SumStats::Key, obs: SumStats::Observation): bool &optional;
		## Rewrites the key before the observation is counted.
		normalize_key: function(key: SumStats::Key): Key &optional;
	};

	## What a reducer has computed for one key (the plugins add fields).
	type ResultVal: record {
		## The first observation's time.
		begin: time;
		## The last observation's time.
		end: time;
		## How many observations were counted.
		num: count &default=0;
	};

	## A key's result values, by reducer stream.
	type Result: table[string] of ResultVal;

	## All keys' results.
	type ResultTable: table[Key] of Result;

	## A SumStat: reducers, an epoch, an optional threshold and callbacks.
	type SumStat: record {
		## Its unique name.
		name: string;
		## How long an epoch lasts (``0secs``: until
		## :zeek:see:`SumStats::next_epoch`).
		epoch: interval;
		## The reducers.
		reducers: set[Reducer];
		## The value the threshold is checked against.
		threshold_val: function(key: SumStats::Key, result: SumStats::Result): double &optional;
		## A single threshold.
		threshold: double &optional;
		## Rising thresholds, each crossed once per key and epoch.
		threshold_series: vector of double &optional;
		## Called when a key crosses a threshold.
		threshold_crossed: function(key: SumStats::Key, result: SumStats::Result) &optional;
		## Called for each key at the end of an epoch.
		epoch_result: function(ts: time, key: SumStats::Key, result: SumStats::Result) &optional;
		## Called once at the end of an epoch, after the results.
		epoch_finished: function(ts: time) &optional;
	};

	## Starts a SumStat.
	global create: function(ss: SumStats::SumStat);

	## Adds an observation to stream ``id`` for ``key``.
	global observe: function(id: string, key: SumStats::Key, obs: SumStats::Observation);

	## The current result of SumStat ``ss_name`` for ``key`` (asynchronous:
	## use it in ``when``; on a cluster the manager merges the workers'
	## parts).
	global request_key: function(ss_name: string, key: Key): Result;

	## A printable form of a key.
	global key2str: function(key: SumStats::Key): string;

	## Ends the current epoch of a SumStat whose epoch is ``0secs``; F for
	## an unknown SumStat or one with a timed epoch.
	global next_epoch: function(ss_name: string): bool;

	## How a plugin folds an observation (``val`` is its numeric value)
	## into a result value.
	type CalcFunc: function(r: Reducer, val: double, obs: Observation, rv: ResultVal);

	## Registers calculation ``calc``: it runs after every calculation in
	## ``needs`` (which a reducer applying ``calc`` applies too) and, among
	## the calculations of a reducer, in ascending ``rank``.
	global register_calc: function(calc: Calculation, f: CalcFunc, needs: set[Calculation], rank: int);

	## Raised for each fresh result value: plugins set their fields' start.
	global init_hook: hook(r: Reducer, rv: ResultVal);

	## Raised when two partial result values are merged into ``result``
	## (whose begin, end and num are already set): plugins merge their
	## fields.
	global merge_hook: hook(result: ResultVal, rv1: ResultVal, rv2: ResultVal);
}

# A registered calculation.
type CalcPlugin: record {
	f: CalcFunc;
	needs: set[Calculation];
	rank: int;
};

# What create() works out for a reducer.
redef record Reducer += {
	## The SumStat it belongs to.
	ssname: string &optional;
	## Its calculations with what they need, in the order they run.
	calcs: vector of CalcFunc &optional;
};

global calc_plugins: table[Calculation] of CalcPlugin;

# SumStats by name, reducers by stream, and the current epoch's results.
global stats_store: table[string] of SumStat;
global reducer_store: table[string] of set[Reducer];
global result_store: table[string] of ResultTable;

# The threshold levels each key has crossed, per SumStat (absent: none).
global threshold_tracker: table[string] of table[Key] of count;

# Set by non-cluster.zs/cluster.zs: what happens after an observation was
# counted (threshold checks, or asking the manager for a global view).
global data_added: function(ss: SumStat, key: Key, result: Result);

## Ends an epoch of ``ss`` (scheduled for timed epochs).
global finish_epoch: event(ss: SumStat);

function register_calc(calc: Calculation, f: CalcFunc, needs: set[Calculation], rank: int)
	{
	calc_plugins[calc] = CalcPlugin($f=f, $needs=needs, $rank=rank);
	}

function key2str(key: Key): string
	{
	local parts: vector of string = vector();
	if ( key?$host )
		parts += fmt("host=%s", key$host);
	if ( key?$str )
		parts += fmt("str=%s", key$str);
	return fmt("sumstats_key(%s)", join_string_vec(parts, ", "));
	}

function next_epoch(ss_name: string): bool
	{
	if ( ss_name !in stats_store || stats_store[ss_name]$epoch != 0secs )
		return F;
	event SumStats::finish_epoch(stats_store[ss_name]);
	return T;
	}

# Adds ``calc`` and everything it needs to ``wanted``.
function want_calc(wanted: set[Calculation], calc: Calculation)
	{
	if ( calc in wanted || calc !in calc_plugins )
		return;
	add wanted[calc];
	for ( dep in calc_plugins[calc]$needs )
		want_calc(wanted, dep);
	}

# The observe functions of a reducer, lowest rank first.
function reducer_calcs(r: Reducer): vector of CalcFunc
	{
	local wanted: set[Calculation] = set();
	for ( calc in r$apply )
		want_calc(wanted, calc);
	local by_rank: table[int] of vector of CalcFunc = table();
	local ranks: vector of int = vector();
	for ( calc in wanted )
		{
		local p = calc_plugins[calc];
		if ( p$rank !in by_rank )
			{
			by_rank[p$rank] = vector();
			ranks += p$rank;
			}
		by_rank[p$rank] += p$f;
		}
	sort(ranks, function(a: int, b: int): int { return a < b ? -1 : (a > b ? 1 : 0); });
	local out: vector of CalcFunc = vector();
	for ( i in ranks )
		for ( j in by_rank[ranks[i]] )
			out += by_rank[ranks[i]][j];
	return out;
	}

function init_resultval(r: Reducer): ResultVal
	{
	local rv = ResultVal($begin=network_time(), $end=network_time());
	hook init_hook(r, rv);
	return rv;
	}

## Two partial result values of the same reducer and key, merged.
function merge_resultvals(rv1: ResultVal, rv2: ResultVal): ResultVal
	{
	local result = ResultVal($begin=rv1$begin < rv2$begin ? rv1$begin : rv2$begin,
	                         $end=rv1$end > rv2$end ? rv1$end : rv2$end,
	                         $num=rv1$num + rv2$num);
	hook merge_hook(result, rv1, rv2);
	return result;
	}

## Two partial results of the same key, merged stream by stream.
function merge_results(r1: Result, r2: Result): Result &is_used
	{
	local out: Result = table();
	for ( stream, rv in r1 )
		out[stream] = stream in r2 ? merge_resultvals(rv, r2[stream]) : rv;
	for ( stream, rv in r2 )
		if ( stream !in r1 )
			out[stream] = rv;
	return out;
	}

# Starts a new epoch: no results, no thresholds crossed.
function reset(ss: SumStat)
	{
	result_store[ss$name] = table();
	if ( ss$name in threshold_tracker )
		threshold_tracker[ss$name] = table();
	}

function has_threshold(ss: SumStat): bool
	{
	return ss?$threshold || ss?$threshold_series;
	}

function create(ss: SumStat)
	{
	if ( has_threshold(ss) && ! ss?$threshold_val )
		Reporter::error("SumStats given a threshold with no $threshold_val function");

	stats_store[ss$name] = ss;
	if ( has_threshold(ss) )
		threshold_tracker[ss$name] = table();

	for ( r in ss$reducers )
		{
		r$ssname = ss$name;
		r$calcs = reducer_calcs(r);
		if ( r$stream !in reducer_store )
			reducer_store[r$stream] = set();
		add reducer_store[r$stream][r];
		}

	reset(ss);
	if ( ss$epoch != 0secs )
		schedule ss$epoch { SumStats::finish_epoch(ss) };
	}

# How many threshold levels ``key`` has crossed in ``ss_name``.
function thresholds_crossed(ss_name: string, key: Key): count
	{
	if ( ss_name in threshold_tracker && key in threshold_tracker[ss_name] )
		return threshold_tracker[ss_name][key];
	return 0;
	}

# Whether a key is done with a SumStat that only reports threshold
# crossings: it crossed its (last) threshold, so more data changes nothing.
function key_is_done(ss: SumStat, key: Key): bool
	{
	if ( ss?$epoch_result )
		return F;
	local n = thresholds_crossed(ss$name, key);
	if ( ss?$threshold )
		return n > 0;
	if ( ss?$threshold_series )
		return n >= |ss$threshold_series|;
	return F;
	}

function observe(id: string, orig_key: Key, obs: Observation)
	{
	if ( id !in reducer_store )
		return;

	# The value the numeric calculations use.
	local val = obs?$num ? obs$num + 0.0 : (obs?$dbl ? obs$dbl : 1.0);

	for ( r in reducer_store[id] )
		{
		local key = r?$normalize_key ? r$normalize_key(copy(orig_key)) : orig_key;
		if ( r?$pred && ! r$pred(key, obs) )
			next;

		local ss = stats_store[r$ssname];
		if ( key_is_done(ss, key) )
			next;

		# (Keys are records: each lookup hashes one, so look up once.)
		local results = result_store[r$ssname];
		local result: Result;
		if ( key in results )
			result = results[key];
		else
			{
			result = table();
			results[key] = result;
			}
		local rv: ResultVal;
		if ( id in result )
			rv = result[id];
		else
			{
			rv = init_resultval(r);
			result[id] = rv;
			}
		++rv$num;
		rv$end = network_time();
		for ( i in r$calcs )
			r$calcs[i](r, val, obs, rv);

		data_added(ss, key, result);
		}
	}

## Whether ``key``'s result crosses the SumStat's next threshold.  With
## ``scale`` in (0, 1) the value is divided by it first (a worker's local
## part standing for that share of the whole).
function check_thresholds(ss: SumStat, key: Key, result: Result, scale: double): bool
	{
	if ( ! has_threshold(ss) || ! ss?$threshold_val )
		return F;

	# The threshold function may look at every reducer's result.
	for ( r in ss$reducers )
		if ( r$stream !in result )
			result[r$stream] = init_resultval(r);

	local watch = ss$threshold_val(key, result);
	if ( scale > 0.0 && scale < 1.0 )
		watch = watch / scale;

	local n = thresholds_crossed(ss$name, key);
	if ( ss?$threshold && n == 0 && watch >= ss$threshold )
		return T;
	if ( ss?$threshold_series && n < |ss$threshold_series| &&
	     watch >= ss$threshold_series[n] )
		return T;
	return F;
	}

## Records that ``key`` crossed its next threshold and tells the script.
function threshold_crossed(ss: SumStat, key: Key, result: Result) &is_used
	{
	if ( ss$name !in threshold_tracker )
		threshold_tracker[ss$name] = table();
	threshold_tracker[ss$name][key] = thresholds_crossed(ss$name, key) + 1;

	if ( ! ss?$threshold_crossed )
		return;
	for ( r in ss$reducers )
		if ( r$stream !in result )
			result[r$stream] = init_resultval(r);
	ss$threshold_crossed(key, result);
	}
