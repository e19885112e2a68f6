##! SUM: the sum of the observations' values.

@load ../main

module SumStats;

export {
	redef enum Calculation += { SUM };

	redef record ResultVal += {
		## The sum.
		sum: double &default=0.0;
	};
}

event zeek_init() &priority=100000
	{
	register_calc(SUM, function(r: Reducer, val: double, obs: Observation, rv: ResultVal)
		{ rv$sum += val; }, set(), 0);
	}

hook merge_hook(result: ResultVal, rv1: ResultVal, rv2: ResultVal)
	{
	result$sum = rv1$sum + rv2$sum;
	}
