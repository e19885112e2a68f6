##! MIN: the smallest value observed.

@load ../main

module SumStats;

export {
	redef enum Calculation += { MIN };

	redef record ResultVal += {
		## The smallest value.
		min: double &optional;
	};
}

event zeek_init() &priority=100000
	{
	register_calc(MIN, function(r: Reducer, val: double, obs: Observation, rv: ResultVal)
		{
		if ( ! rv?$min || val < rv$min )
			rv$min = val;
		}, set(), 0);
	}

hook merge_hook(result: ResultVal, rv1: ResultVal, rv2: ResultVal)
	{
	if ( rv1?$min && rv2?$min )
		result$min = rv1$min < rv2$min ? rv1$min : rv2$min;
	else if ( rv1?$min )
		result$min = rv1$min;
	else if ( rv2?$min )
		result$min = rv2$min;
	}
