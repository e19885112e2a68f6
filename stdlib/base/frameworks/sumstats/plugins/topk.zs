##! TOPK: the most frequent observations (a space-saving top-k counter of
##! ``$topk_size`` elements; read it with ``topk_get_top`` and friends).

@load ../main

module SumStats;

export {
	redef enum Calculation += { TOPK };

	redef record Reducer += {
		## How many elements the counter tracks.
		topk_size: count &default=500;
	};

	redef record ResultVal += {
		## The counter.
		topk: opaque of topk &optional;
	};
}

hook init_hook(r: Reducer, rv: ResultVal)
	{
	if ( TOPK in r$apply && ! rv?$topk )
		rv$topk = topk_init(r$topk_size);
	}

event zeek_init() &priority=100000
	{
	register_calc(TOPK, function(r: Reducer, val: double, obs: Observation, rv: ResultVal)
		{ topk_add(rv$topk, obs); }, set(), 0);
	}

hook merge_hook(result: ResultVal, rv1: ResultVal, rv2: ResultVal)
	{
	if ( ! (rv1?$topk || rv2?$topk) )
		return;
	result$topk = topk_init(topk_size(rv1?$topk ? rv1$topk : rv2$topk));
	if ( rv1?$topk )
		topk_merge(result$topk, rv1$topk);
	if ( rv2?$topk )
		topk_merge(result$topk, rv2$topk);
	}
