# v += x appends an element; v += w with a vector of the same type appends all of w's elements.
event zeek_init()
	{
	local v = vector(1, 2);
	v += 3;
	v += vector(4, 5);
	print v, |v|;
	local nested: vector of vector of count;
	local inner = vector(7, 8);
	nested += inner;
	print nested, |nested|;
	}
