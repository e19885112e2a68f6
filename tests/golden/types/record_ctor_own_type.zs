# A record constructor assigned to (or initializing) a variable of a record
# type with exactly its fields, none with attributes, keeps its own anonymous
# type, as in Zeek (no coercion between the same types); a field with an
# attribute, a named constructor or another use (an argument, an index)
# gives the declared type.
type Plain: record {
	a: count;
	s: string;
};
type WithAttr: record {
	a: count;
	s: string &optional;
};

event zeek_init()
	{
	local p: Plain = [$a=1, $s="x"];
	print type_name(p);
	p = [$a=2, $s="y"];
	print type_name(p), p$a, p$s;
	local q: Plain = Plain($a=3, $s="z");
	print type_name(q);
	local w: WithAttr = [$a=4, $s="w"];
	print type_name(w);
	local t: table[Plain] of count = { [[$a=5, $s="k"]] = 1 };
	print [$a=5, $s="k"] in t;
	}
