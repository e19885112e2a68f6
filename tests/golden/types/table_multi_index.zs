# Tables with composite [a, b] keys: insertion, lookup, membership and printing.
event zeek_init()
	{
	local t: table[string, count] of string;
	t["a", 1] = "a1";
	t["b", 2] = "b2";
	print t;
	print t["a", 1], ["b", 2] in t, ["b", 3] in t;
	local s: set[string, count] = { ["x", 1], ["y", 2] };
	print ["x", 1] in s, ["x", 2] in s;
	print s;
	}
