# $ field access, ?$ presence tests, and assigning optional fields.
type Opt: record {
	a: count;
	b: string &optional;
	c: count &default=3;
};

event zeek_init()
	{
	local r = Opt($a=1);
	print r?$a, r?$b, r?$c;
	r$b = "now";
	print r?$b, r$b;
	delete r$b;
	print r?$b, r;
	}
