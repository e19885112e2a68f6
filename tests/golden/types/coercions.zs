# Numeric promotion: count to int to double in arithmetic, assignment, arguments and containers.
function half(d: double): double
	{
	return d / 2;
	}

event zeek_init()
	{
	local c: count = 3;
	local i: int = -2;
	local d: double = c;
	local j: int = c;
	print d, j, type_name(d), type_name(j);
	print c + i, type_name(c + i), c * 1.5, type_name(c * 1.5);
	print half(c), half(i);
	local v: vector of double = vector(1, 2.5);
	print v;
	local t: table[count] of double = { [1] = 5 };
	print t[1];
	}
