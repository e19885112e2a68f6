# Bitwise operators on counts: &, |, ^, ~ and shifts.
event zeek_init()
	{
	local a: count = 12;
	local b: count = 10;
	print a & b, a | b, a ^ b;
	print a << 2, a >> 2;
	print ~0 == 0xffffffffffffffff;
	}
