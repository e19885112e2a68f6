# in and !in over sets, tables (keys), vectors (indices) and substrings.
event zeek_init()
	{
	local s = set("a", "b");
	local t: table[count] of string = { [7] = "seven" };
	local v = vector("x", "y");
	print "a" in s, "c" in s, "c" !in s;
	print 7 in t, 8 in t, 8 !in t;
	print 1 in v, 2 in v;
	print "ell" in "hello", "z" in "hello";
	local ms: set[string, count] = { ["k", 1] };
	print ["k", 1] in ms, ["k", 2] !in ms;
	}
