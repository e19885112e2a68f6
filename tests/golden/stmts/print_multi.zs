# print joins its arguments with ", " and renders nested values.
type P: record {
	a: count;
	b: vector of string;
};

event zeek_init()
	{
	print "x", 1, -2, 3.5, T, "";
	print P($a=1, $b=vector("q", "r"));
	print vector(vector(1), vector());
	print "";
	print "end";
	}
