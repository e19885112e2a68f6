# @expect-fail
# Accessing a field that the record type does not have is a static error.
type Point: record {
	x: count;
	y: count;
};

event zeek_init()
	{
	local p = Point($x=1, $y=2);
	print p$z;
	print p?$w;
	}
