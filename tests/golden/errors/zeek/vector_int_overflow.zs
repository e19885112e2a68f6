# @error-format: zeek
# Element-wise arithmetic of a vector of int and a vector of count promotes
# the counts to int; a count too large for an int is reported (non-fatal)
# and gives a hole.
global go: event();

event zeek_init()
	{
	schedule 1sec { go() };
	}

event go()
	{
	local ints = vector(2, -4, 6);
	local counts = vector(0xffffffffffffffff, 3, 9223372036854775808);
	local sum: vector of int;
	sum = ints + counts;
	print sum;
	}
