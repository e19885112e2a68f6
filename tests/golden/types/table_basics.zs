# Tables: constructors, insertion, lookup, membership, deletion and size.
event zeek_init()
	{
	local t: table[string] of count = { ["one"] = 1 };
	t["two"] = 2;
	t["one"] = 11;
	print t;
	print t["one"], "two" in t, "three" in t, "three" !in t;
	delete t["one"];
	print t, |t|;
	local empty: table[count] of string;
	print empty, |empty|;
	}
