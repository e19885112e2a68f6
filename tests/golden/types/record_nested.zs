# Nested records, records holding containers, and record equality of fields.
type Inner: record {
	n: count;
	tags: set[string] &optional;
};
type Outer: record {
	name: string;
	inner: Inner;
	list: vector of count &default=vector();
};

event zeek_init()
	{
	local o = Outer($name="o", $inner=Inner($n=1));
	print o;
	o$inner$n = 2;
	o$list += 7;
	o$inner$tags = set("t");
	print o;
	print o$inner$n, o$list[0];
	}
