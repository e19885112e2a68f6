# Records and vectors as table/set keys: lookup by value, printing and iteration.
type K: record {
	a: count;
	b: string;
};

event zeek_init()
	{
	local t: table[K] of string;
	t[K($a=1, $b="x")] = "one";
	t[[$a=2, $b="y"]] = "two";
	print t;
	print K($a=1, $b="x") in t, [$a=3, $b="z"] in t;
	local s: set[K] = { K($a=5, $b="q") };
	for ( k in s )
		print k$a, k$b;
	local tv: table[vector of count] of string;
	tv[vector(1, 2)] = "v12";
	print tv[vector(1, 2)], tv;
	}
