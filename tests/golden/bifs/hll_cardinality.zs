# HyperLogLog counters: small sets estimate as linear counting over 2**16
# buckets; merging, copying, type checks.
event zeek_init()
	{
	local c1 = hll_cardinality_init(0.01, 0.95);
	local c2 = hll_cardinality_init(0.01, 0.95);
	local i = 0;
	while ( ++i <= 13 )
		hll_cardinality_add(c1, i);
	hll_cardinality_add(c1, 5);
	print hll_cardinality_estimate(c1);
	print hll_cardinality_add(c1, "a string");
	hll_cardinality_add(c2, 100);
	hll_cardinality_add(c2, 1);
	local c3 = hll_cardinality_copy(c2);
	print hll_cardinality_merge_into(c2, c1), hll_cardinality_estimate(c2);
	print hll_cardinality_estimate(c3), hll_cardinality_estimate(hll_cardinality_init(0.1, 0.9));
	local small = hll_cardinality_init(0.2, 0.5);
	print hll_cardinality_merge_into(small, c1);
	local addrs = hll_cardinality_init(0.01, 0.95);
	hll_cardinality_add(addrs, 10.0.0.1);
	hll_cardinality_add(addrs, [2001:db8::1]);
	hll_cardinality_add(addrs, 10.0.0.1);
	print hll_cardinality_estimate(addrs);
	}
