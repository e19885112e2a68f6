# Element-wise vector arithmetic: a hole in either operand is a hole in the
# result; int division truncates; counts too large for an int do not promote.
event zeek_init()
	{
	local a = vector(2, 4);
	local b = vector(9, 1);
	a[3] = 7;
	b[3] = 100;
	a[5] = 18;
	a[6] = 5;
	b[6] = 3;
	b[4] = 42;
	b[5] = 1;
	print a + b, b - a, a * b;
	local i = vector(-7, 7);
	local j = vector(2, -2);
	print i / j, i % j;
	local big = vector(18446744073709551615, 3);
	local small = vector(-1, -1);
	local r: vector of int = small + big;
	print r;
	}
