# A vector of count passed as a vector of any is the same vector: what the
# function stores is seen by the caller, an element read through it has type
# count, and a value of another type is refused (the handler ends).  Adding
# a vector of any to a vector of count stops at the first element that is no
# count, with a non-fatal error.
function add_size(v: vector of any)
	{
	v[|v|] = |v|;
	v += |v|;
	print type_name(v[0]), v[0] as count + 1;
	for ( i, x in v )
		print i, type_name(x);
	}

function add_string(v: vector of any)
	{
	v += "no";
	print "not reached";
	}

event zeek_init()
	{
	local v: vector of count;
	add_size(v);
	print v, type_name(v);

	local a: vector of any;
	a += 1;
	a += vector(2, 3);
	a += "s";
	print a, |a|, type_name(a[1]), type_name(a[3]);

	local c: vector of count = vector(7);
	local b: vector of any;
	b += 8;
	b += "x";
	b += 9;
	c += b;
	print c, "the handler goes on";

	add_string(v);
	}

event zeek_init() &priority=-10
	{
	print "next handler runs";
	}
