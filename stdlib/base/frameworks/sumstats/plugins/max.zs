##! MAX: the largest value observed.

@load ../main

module SumStats;

export {
	redef enum Calculation += { MAX };

	redef record ResultVal += {
		## The largest value.
		max: double &optional;
	};
}

event zeek_init() &priority=100000
	{
	register_calc(MAX, function(r: Reducer, val: double, obs: Observation, rv: ResultVal)
		{
		if ( ! rv?$max || val > rv$max )
			rv$max = val;
		}, set(), 0);
	}

hook merge_hook(result: ResultVal, rv1: ResultVal, rv2: ResultVal)
	{
	if ( rv1?$max && rv2?$max )
		result$max = rv1$max > rv2$max ? rv1$max : rv2$max;
	else if ( rv1?$max )
		result$max = rv1$max;
	else if ( rv2?$max )
		result$max = rv2$max;
	}
