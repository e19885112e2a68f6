##! STD_DEV: the standard deviation (the square root of VARIANCE).

@load ./variance
@load ../main

module SumStats;

export {
	redef enum Calculation += { STD_DEV };

	redef record ResultVal += {
		## The standard deviation.
		std_dev: double &default=0.0;
	};
}

event zeek_init() &priority=100000
	{
	register_calc(STD_DEV, function(r: Reducer, val: double, obs: Observation, rv: ResultVal)
		{
		if ( rv?$variance )
			rv$std_dev = sqrt(rv$variance);
		}, set(VARIANCE), 20);
	}

hook merge_hook(result: ResultVal, rv1: ResultVal, rv2: ResultVal) &priority=-5
	{
	if ( result?$variance )
		result$std_dev = sqrt(result$variance);
	}
