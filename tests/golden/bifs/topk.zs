# Top-k counters: counts, epsilons after replacement, whole buckets from
# topk_get_top, merging with and without pruning.
event zeek_init()
	{
	local k = topk_init(2);
	for ( s in vector("a", "b", "b", "c") )
		topk_add(k, vector("a", "b", "b", "c")[s]);
	print topk_get_top(k, 1), topk_sum(k), topk_size(k);
	print topk_count(k, "b"), topk_count(k, "c"), topk_epsilon(k, "c");
	print topk_count(k, "a");
	local big = topk_init(10);
	local i = 0;
	while ( ++i <= 5 )
		{
		local j = 0;
		while ( ++j <= i )
			topk_add(big, i);
		}
	print topk_get_top(big, 2), topk_sum(big);
	local small = topk_init(2);
	topk_merge_prune(small, big);
	print topk_get_top(small, 5), topk_count(small, 5), topk_sum(small);
	topk_add(big, "x");
	}
