# Indexing a vector with a vector of indices: a hole in the indices gives a
# hole in the result.
event zeek_init()
	{
	local v = vector(10, 20, 30);
	local idx: vector of count;
	idx[0] = 2;
	idx[2] = 0;
	print v[idx], |v[idx]|;
	}
