##! UNIQUE: how many distinct observations were seen (exactly, keeping
##! them; ``$unique_max`` on the reducer caps how many are kept).

@load ../main

module SumStats;

export {
	redef enum Calculation += { UNIQUE };

	redef record Reducer += {
		## Keep at most this many distinct observations.
		unique_max: count &optional;
	};

	redef record ResultVal += {
		## How many distinct observations (at most ``$unique_max`` + 1).
		unique: count &default=0;
	};
}

redef record ResultVal += {
	## The distinct observations.
	unique_vals: set[Observation] &optional;
	## The reducer's cap, for merging.
	unique_max: count &optional;
};

event zeek_init() &priority=100000
	{
	register_calc(UNIQUE, function(r: Reducer, val: double, obs: Observation, rv: ResultVal)
		{
		if ( ! rv?$unique_vals )
			{
			rv$unique_vals = set();
			if ( r?$unique_max )
				rv$unique_max = r$unique_max;
			}
		# One past the cap is kept, so the count shows it was reached.
		if ( ! r?$unique_max || |rv$unique_vals| <= r$unique_max )
			add rv$unique_vals[obs];
		rv$unique = |rv$unique_vals|;
		}, set(), 0);
	}

hook merge_hook(result: ResultVal, rv1: ResultVal, rv2: ResultVal)
	{
	if ( ! (rv1?$unique_vals || rv2?$unique_vals) )
		return;
	if ( rv1?$unique_max )
		result$unique_max = rv1$unique_max;
	else if ( rv2?$unique_max )
		result$unique_max = rv2$unique_max;
	result$unique_vals = rv1?$unique_vals ? copy(rv1$unique_vals) : set();
	if ( rv2?$unique_vals )
		for ( o in rv2$unique_vals )
			{
			if ( result?$unique_max && |result$unique_vals| > result$unique_max )
				break;
			add result$unique_vals[o];
			}
	result$unique = |result$unique_vals|;
	}
