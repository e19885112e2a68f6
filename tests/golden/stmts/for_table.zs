# for over a table: key-only and key-value forms.
event zeek_init()
	{
	local t: table[string] of count = { ["a"] = 1, ["b"] = 2, ["c"] = 3 };
	local total = 0;
	for ( k in t )
		total += t[k];
	print total;
	for ( k, v in t )
		print k, v;
	}
