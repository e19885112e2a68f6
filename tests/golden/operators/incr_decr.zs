# ++ and -- on counts, ints, table entries and record fields.
type R: record {
	hits: count &default=0;
};

event zeek_init()
	{
	local c = 1;
	++c;
	++c;
	--c;
	local i: int = 0;
	--i;
	local t: table[string] of count = { ["k"] = 5 };
	++t["k"];
	local r = R();
	++r$hits;
	print c, i, t["k"], r$hits;
	}
