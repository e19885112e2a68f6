##! VARIANCE: the sample variance of the observations' values, kept as
##! Welford's running sum of squared deviations from the mean (so it needs
##! AVERAGE, and runs after it).

@load ./average
@load ../main

module SumStats;

export {
	redef enum Calculation += { VARIANCE };

	redef record ResultVal += {
		## The sample variance (0 with fewer than two observations).
		variance: double &optional;
	};
}

redef record ResultVal += {
	## The mean before the latest observation.
	mean_before: double &optional;
	## The sum of squared deviations from the mean.
	sq_dev_sum: double &default=0.0;
};

function update_variance(rv: ResultVal)
	{
	rv$variance = rv$num > 1 ? rv$sq_dev_sum / (rv$num - 1) : 0.0;
	}

event zeek_init() &priority=100000
	{
	register_calc(VARIANCE, function(r: Reducer, val: double, obs: Observation, rv: ResultVal)
		{
		# rv$average already includes val.
		if ( rv?$mean_before )
			rv$sq_dev_sum += (val - rv$mean_before) * (val - rv$average);
		rv$mean_before = rv$average;
		update_variance(rv);
		}, set(AVERAGE), 10);
	}

hook merge_hook(result: ResultVal, rv1: ResultVal, rv2: ResultVal) &priority=5
	{
	if ( ! (rv1?$variance || rv2?$variance) )
		return;
	# Chan et al.: each part's squared deviations, plus its distance from
	# the merged mean, weighted by its size.
	local s = rv1$sq_dev_sum + rv2$sq_dev_sum;
	if ( rv1?$average && rv2?$average )
		{
		local d1 = rv1$average - result$average;
		local d2 = rv2$average - result$average;
		s += rv1$num * d1 * d1 + rv2$num * d2 * d2;
		}
	result$sq_dev_sum = s;
	if ( result?$average )
		result$mean_before = result$average;
	update_variance(result);
	}
