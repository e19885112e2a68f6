# `v += { ... }` appends each element (the list is a vector of v's type), and
# so does `v += w` for w of v's very type, even for vectors of vectors;
# a vector of the element type is appended as one element.
event zeek_init()
	{
	local v: vector of count = { 1, 3 };
	v += { 2, 4 };
	v += 5;
	v += vector(7, 8);
	print v;

	local vv: vector of vector of count;
	vv += { vector(1), vector(2, 3) };
	vv += vector(4, 5);
	vv += vector(vector(6), vector(7));
	print vv, |vv|;

	local vd: vector of double;
	vd += { 1, 2.5 };
	print vd;
	}
