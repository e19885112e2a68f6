# @expect-fail
# Several independent errors are all reported in one run, in source order.
global limit: count = 10;

event zeek_init()
	{
	print limt;
	local b: bool = 3;
	print undefined_thing;
	limit = T;
	}
