# for over sets iterates elements; over vectors it yields indices, or index and value.
event zeek_init()
	{
	local s = set(10, 20, 30);
	local sum = 0;
	for ( e in s )
		sum += e;
	print sum;
	local v = vector("a", "b", "c");
	for ( i in v )
		print i, v[i];
	for ( i, x in v )
		print fmt("%d:%s", i, x);
	}
