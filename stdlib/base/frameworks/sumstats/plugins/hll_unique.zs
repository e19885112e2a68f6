##! HLL_UNIQUE: an estimate of how many distinct observations were seen,
##! in constant space (a HyperLogLog counter; ``$hll_error_margin`` and
##! ``$hll_confidence`` on the reducer size it).

@load ../main

module SumStats;

export {
	redef enum Calculation += { HLL_UNIQUE };

	redef record Reducer += {
		## The relative error the estimate may have ...
		hll_error_margin: double &default=0.01;
		## ... with this probability.
		hll_confidence: double &default=0.95;
	};

	redef record ResultVal += {
		## The estimated number of distinct observations.
		hll_unique: count &default=0;
	};
}

redef record ResultVal += {
	## The counter.
	card: opaque of cardinality &optional;
};

event zeek_init() &priority=100000
	{
	register_calc(HLL_UNIQUE, function(r: Reducer, val: double, obs: Observation, rv: ResultVal)
		{
		if ( ! rv?$card )
			rv$card = hll_cardinality_init(r$hll_error_margin, r$hll_confidence);
		hll_cardinality_add(rv$card, obs);
		rv$hll_unique = double_to_count(hll_cardinality_estimate(rv$card));
		}, set(), 0);
	}

hook merge_hook(result: ResultVal, rv1: ResultVal, rv2: ResultVal)
	{
	if ( ! (rv1?$card || rv2?$card) )
		return;
	# A fresh counter: the parts stay as they are.
	result$card = hll_cardinality_copy(rv1?$card ? rv1$card : rv2$card);
	if ( rv1?$card && rv2?$card )
		hll_cardinality_merge_into(result$card, rv2$card);
	result$hll_unique = double_to_count(hll_cardinality_estimate(result$card));
	}
