# copy() of a string or a pattern is a new value; of an int, count, address,
# port, subnet or enum the same one (as Zeek's DoClone).  Arguments of type
# any are compared by the value inside, not by their box.
type E: enum { E1 };

function same(a: any, b: any): bool
	{
	return same_object(a, b);
	}

event zeek_init()
	{
	local i = -42;
	local c: count = 42;
	local a = 127.0.0.1;
	local p = 42/tcp;
	local s = "Foo";
	local pat = /.*PATTERN.*/;
	local e = E1;
	local v = vector(1, 2);
	print "int", same(i, copy(i)), same(i, i);
	print "count", same(c, copy(c));
	print "addr", same(a, copy(a));
	print "port", same(p, copy(p));
	print "enum", same(e, copy(e));
	print "string", same(s, copy(s)), same(s, s), copy(s) == s;
	print "pattern", same_object(pat, copy(pat)), copy(pat) == "xPATTERNx";
	print "vector", same(v, copy(v)), same(v, v);
	}
