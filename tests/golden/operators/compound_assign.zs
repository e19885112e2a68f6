# += and -= on numbers, strings, intervals, vectors, sets and tables.
event zeek_init()
	{
	local n = 10;
	n += 5;
	n -= 3;
	local s = "ab";
	s += "cd";
	local iv = 1 min;
	iv += 30 sec;
	local v = vector(1);
	v += 2;
	local st = set(1, 2);
	st += set(3);
	st -= set(1);
	local t: table[string] of count = { ["a"] = 1 };
	t += { ["b"] = 2 };
	print n, s, iv, v;
	print st;
	print t;
	}
