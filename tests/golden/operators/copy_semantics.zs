# Aggregates are assigned by reference; copy() makes an independent deep copy.
type R: record {
	items: vector of count;
};

event zeek_init()
	{
	local a = R($items=vector(1, 2));
	local b = a;
	local c = copy(a);
	b$items += 3;
	c$items += 99;
	print a;
	print b;
	print c;
	local t: table[count] of set[string] = { [1] = set("x") };
	local t2 = copy(t);
	add t2[1]["y"];
	print |t[1]|, |t2[1]|;
	}
