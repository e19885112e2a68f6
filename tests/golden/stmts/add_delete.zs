# add and delete on sets and tables, including composite keys and absent elements.
event zeek_init()
	{
	local s: set[string, count];
	add s["a", 1];
	add s["b", 2];
	delete s["a", 1];
	delete s["zzz", 9];
	print s;
	local t: table[count] of string = { [1] = "x", [2] = "y" };
	delete t[1];
	delete t[42];
	print t;
	}
