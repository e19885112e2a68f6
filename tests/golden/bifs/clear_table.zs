# clear_table empties a table or set in place; other references see it empty too.
global t: table[string] of count = { ["a"] = 1, ["b"] = 2 };

event zeek_init()
	{
	local alias = t;
	clear_table(t);
	print |t|, |alias|, t;
	t["c"] = 3;
	print alias;
	local s = set(1, 2);
	clear_table(s);
	print |s|;
	}
