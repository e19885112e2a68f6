# @env: ZEEK_SEED_FILE=_uid_seeds
# Bloom filters: a basic filter answers 0 or 1 (never 0 for an element
# added), a counting filter counts up to what its counters hold (3 bits
# for a maximum of 5); a filter takes the
# type of its first element; filters merge and intersect when their hashes
# agree (same kind, size and name).
global done: event();

event zeek_init()
	{
	local bf = bloomfilter_basic_init(0.001, 100);
	for ( _, i in vector(1, 2, 3) )
		bloomfilter_add(bf, i * 7);
	print bloomfilter_lookup(bf, 7), bloomfilter_lookup(bf, 14), bloomfilter_lookup(bf, 21);
	local misses = 0;
	local n = 100;
	while ( n < 200 )
		{
		misses += bloomfilter_lookup(bf, n) == 0 ? 1 : 0;
		++n;
		}
	print "absent elements found absent", misses >= 95;

	local c = bloomfilter_counting_init(4, 64, 5);
	local k = 0;
	while ( ++k <= 7 )
		bloomfilter_add(c, "x");
	bloomfilter_add(c, "y");
	print "saturated", bloomfilter_lookup(c, "x"), bloomfilter_lookup(c, "y");
	print bloomfilter_decrement(c, "y"), bloomfilter_lookup(c, "y"), bloomfilter_decrement(c, "y");

	local a = bloomfilter_basic_init2(3, 256, "shared");
	local b = bloomfilter_basic_init2(3, 256, "shared");
	bloomfilter_add(a, "left");
	bloomfilter_add(b, "right");
	local m = bloomfilter_merge(a, b);
	print "merged", bloomfilter_lookup(m, "left"), bloomfilter_lookup(m, "right");
	bloomfilter_add(b, "left");
	local both = bloomfilter_intersect(a, b);
	print "intersected", bloomfilter_lookup(both, "left");
	# copy() makes an independent filter.
	local copied = copy(a);
	bloomfilter_clear(a);
	print "cleared", bloomfilter_lookup(a, "left"), bloomfilter_lookup(copied, "left");
	schedule 1sec { done() };
	}

event done()
	{
	local bf = bloomfilter_basic_init(0.01, 10);
	bloomfilter_add(bf, 1);
	bloomfilter_add(bf, "one");
	local other = bloomfilter_basic_init2(3, 256, "another name");
	local mine = bloomfilter_basic_init2(3, 256, "shared");
	bloomfilter_merge(other, mine);
	bloomfilter_basic_init(2.0, 10);
	}
