# @expect-fail
# A record constructor must set every field that is neither &optional nor &default.
type Point: record {
	x: count;
	y: count;
	label: string &optional;
};

event zeek_init()
	{
	local p = Point($x=1);
	print p;
	}
