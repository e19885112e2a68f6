# A record field's &default aggregate is fresh for every record; fields of records in tables update in place.
type R: record {
	v: vector of count &default=vector();
	n: count &default=7;
};

event zeek_init()
	{
	local a = R();
	local b = R();
	a$v += 1;
	print a, b;
	local t: table[string] of R = { ["k"] = R($n=1) };
	t["k"]$v += 5;
	++t["k"]$n;
	print t["k"];
	}
