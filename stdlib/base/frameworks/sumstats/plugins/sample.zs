##! SAMPLE: a uniform random sample of ``$num_samples`` observations
##! (reservoir sampling; ``sample_elements`` counts all observations).

@load ../main

module SumStats;

export {
	redef enum Calculation += { SAMPLE };

	redef record Reducer += {
		## How many observations to keep.
		num_samples: count &default=0;
	};

	redef record ResultVal += {
		## The sample.
		samples: vector of Observation &default=vector();
		## How many observations the sample was drawn from.
		sample_elements: count &default=0;
	};
}

redef record ResultVal += {
	## The sample's size, for merging.
	num_samples: count &default=0;
};

hook init_hook(r: Reducer, rv: ResultVal)
	{
	if ( SAMPLE in r$apply )
		rv$num_samples = r$num_samples;
	}

# One more observation offered to the reservoir: kept while there is room,
# else it replaces a random slot with probability size/seen.
function offer_sample(rv: ResultVal, obs: Observation)
	{
	++rv$sample_elements;
	if ( |rv$samples| < rv$num_samples )
		{
		rv$samples += obs;
		return;
		}
	local slot = rand(rv$sample_elements);
	if ( slot < rv$num_samples )
		rv$samples[slot] = obs;
	}

event zeek_init() &priority=100000
	{
	register_calc(SAMPLE, function(r: Reducer, val: double, obs: Observation, rv: ResultVal)
		{ offer_sample(rv, obs); }, set(), 0);
	}

hook merge_hook(result: ResultVal, rv1: ResultVal, rv2: ResultVal)
	{
	if ( rv1$num_samples != rv2$num_samples )
		{
		Reporter::error("SumStats: cannot merge samples of different sizes");
		return;
		}
	local size = rv1$num_samples;
	result$num_samples = size;
	if ( size == 0 )
		return;

	if ( |rv1$samples| < size && |rv2$samples| < size )
		{
		# Neither part has overflowed: each holds every one of its
		# observations, which are offered again.
		for ( i in rv1$samples )
			offer_sample(result, rv1$samples[i]);
		for ( i in rv2$samples )
			offer_sample(result, rv2$samples[i]);
		return;
		}

	# Start from the part drawn from more observations; each slot then
	# takes the other part's element with probability proportional to the
	# observations behind it.
	local big = rv1$sample_elements > rv2$sample_elements ? rv1 : rv2;
	local small = rv1$sample_elements > rv2$sample_elements ? rv2 : rv1;
	result$samples = copy(big$samples);
	result$sample_elements = rv1$sample_elements + rv2$sample_elements;
	for ( i in small$samples )
		if ( rand(result$sample_elements) <= small$sample_elements )
			result$samples[i] = small$samples[i];
	}
