# SumStats in one process: every reducer over the same observations, a key
# normalizer and a predicate, a threshold series crossed level by level, and
# manual epochs (next_epoch) that reset the results and the thresholds.
@load base/frameworks/sumstats

redef exit_only_after_terminate = T;

global epochs = 0;

event zeek_init()
	{
	local all = SumStats::Reducer($stream="v", $apply=set(SumStats::SUM, SumStats::MIN,
	        SumStats::MAX, SumStats::AVERAGE, SumStats::VARIANCE, SumStats::STD_DEV,
	        SumStats::UNIQUE, SumStats::HLL_UNIQUE, SumStats::LAST, SumStats::TOPK),
	        $num_last_elements=2, $topk_size=3);
	# Only even numbers, keyed by their /24.
	local even = SumStats::Reducer($stream="v", $apply=set(SumStats::SUM),
	        $pred(key: SumStats::Key, obs: SumStats::Observation): bool = { return obs$num % 2 == 0; },
	        $normalize_key(key: SumStats::Key): SumStats::Key = { return [$str=cat(mask_addr(key$host, 24))]; });
	SumStats::create([$name="all", $epoch=0secs, $reducers=set(all),
		$threshold_val(key: SumStats::Key, result: SumStats::Result): double = { return result["v"]$sum; },
		$threshold_series=vector(10.0, 20.0),
		$threshold_crossed(key: SumStats::Key, result: SumStats::Result) =
			{ print fmt("crossed %s at sum %.0f", SumStats::key2str(key), result["v"]$sum); },
		$epoch_result(ts: time, key: SumStats::Key, result: SumStats::Result) =
			{
			local r = result["v"];
			print fmt("%s num=%d sum=%.1f min=%.1f max=%.1f avg=%.2f var=%.2f sd=%.2f unique=%d hll=%d",
			          SumStats::key2str(key), r$num, r$sum, r$min, r$max, r$average,
			          r$variance, r$std_dev, r$unique, r$hll_unique);
			print "  last", SumStats::get_last(r);
			local top = topk_get_top(r$topk, 1);
			print "  top", top, topk_count(r$topk, top[0]);
			},
		$epoch_finished(ts: time) =
			{
			++epochs;
			print fmt("epoch %d finished", epochs);
			if ( epochs == 3 )
				terminate();
			}]);
	SumStats::create([$name="even", $epoch=0secs, $reducers=set(even),
		$epoch_result(ts: time, key: SumStats::Key, result: SumStats::Result) =
			{ print fmt("even %s sum=%.0f num=%d", key$str, result["v"]$sum, result["v"]$num); }]);
	}

event third()
	{
	print "third epoch (empty)";
	SumStats::next_epoch("all");
	}

event second()
	{
	SumStats::observe("v", [$host=10.0.0.1], [$num=9]);
	SumStats::observe("v", [$host=10.0.0.1], [$num=12]);
	print "second epoch";
	SumStats::next_epoch("all");
	SumStats::next_epoch("even");
	schedule 1sec { third() };
	}

event first()
	{
	for ( n in vector(4, 8, 8, 1, 3) )
		SumStats::observe("v", [$host=10.0.0.1], [$num=vector(4, 8, 8, 1, 3)[n]]);
	SumStats::observe("v", [$host=10.0.0.2], [$num=6]);
	SumStats::observe("v", [$host=10.0.1.7], [$num=2]);
	SumStats::observe("other", [$host=10.0.0.1], [$num=100]);	# nobody reads it
	print "first epoch", SumStats::next_epoch("all"), SumStats::next_epoch("nope");
	SumStats::next_epoch("even");
	schedule 1sec { second() };
	}

event zeek_init() &priority=-10
	{
	schedule 1sec { first() };
	}
