##! LAST: the latest ``$num_last_elements`` observations, oldest first
##! (read them with :zeek:see:`SumStats::get_last`).

@load ../main

module SumStats;

export {
	redef enum Calculation += { LAST };

	redef record Reducer += {
		## How many observations to keep (0: none).
		num_last_elements: count &default=0;
	};

	redef record ResultVal += {
		## The kept observations, oldest first.
		last_elements: vector of Observation &optional;
	};

	## The kept observations of a result value, oldest first.
	global get_last: function(rv: ResultVal): vector of Observation;
}

redef record ResultVal += {
	## How many to keep, for merging.
	last_max: count &default=0;
};

function get_last(rv: ResultVal): vector of Observation
	{
	return rv?$last_elements ? copy(rv$last_elements) : vector();
	}

# The last ``n`` elements of ``v``.
function keep_last(v: vector of Observation, n: count): vector of Observation
	{
	if ( |v| <= n )
		return v;
	return v[|v| - n:];
	}

event zeek_init() &priority=100000
	{
	register_calc(LAST, function(r: Reducer, val: double, obs: Observation, rv: ResultVal)
		{
		if ( r$num_last_elements == 0 )
			return;
		if ( ! rv?$last_elements )
			rv$last_elements = vector();
		rv$last_max = r$num_last_elements;
		rv$last_elements += obs;
		rv$last_elements = keep_last(rv$last_elements, r$num_last_elements);
		}, set(), 0);
	}

hook merge_hook(result: ResultVal, rv1: ResultVal, rv2: ResultVal)
	{
	if ( ! (rv1?$last_elements || rv2?$last_elements) )
		return;
	# The parts' own order is kept: rv1's before rv2's.
	local v: vector of Observation = rv1?$last_elements ? copy(rv1$last_elements) : vector();
	if ( rv2?$last_elements )
		v += rv2$last_elements;
	result$last_max = rv1$last_max > rv2$last_max ? rv1$last_max : rv2$last_max;
	result$last_elements = keep_last(v, result$last_max);
	}
