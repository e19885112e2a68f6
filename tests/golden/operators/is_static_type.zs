# `is` on a value whose static type is not any tests that static type.
event zeek_init()
	{
	local c: count = 5;
	local i: int = -1;
	local d = 2.5;
	print c is count, i is int, d is double, 5 is count, "a" is string;
	print c is int, d is count;
	}
