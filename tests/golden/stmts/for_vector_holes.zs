# Iterating a vector with holes skips the unset slots.
event zeek_init()
	{
	local v: vector of count;
	v[0] = 1;
	v[3] = 4;
	print v, |v|;
	for ( i in v )
		print i, v[i];
	for ( i, x in v )
		print "pair", i, x;
	}
