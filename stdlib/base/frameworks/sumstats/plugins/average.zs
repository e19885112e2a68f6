##! AVERAGE: the mean of the observations' values (a running mean).

@load ../main

module SumStats;

export {
	redef enum Calculation += { AVERAGE };

	redef record ResultVal += {
		## The mean.
		average: double &optional;
	};
}

event zeek_init() &priority=100000
	{
	register_calc(AVERAGE, function(r: Reducer, val: double, obs: Observation, rv: ResultVal)
		{
		rv$average = rv?$average ? rv$average + (val - rv$average) / rv$num : val;
		}, set(), 0);
	}

hook merge_hook(result: ResultVal, rv1: ResultVal, rv2: ResultVal) &priority=10
	{
	# Weighted by the number of observations behind each part (the
	# variance merge below needs the merged mean: it runs first).
	if ( rv1?$average && rv2?$average )
		result$average = (rv1$average * rv1$num + rv2$average * rv2$num) / (rv1$num + rv2$num);
	else if ( rv1?$average )
		result$average = rv1$average;
	else if ( rv2?$average )
		result$average = rv2$average;
	}
