# Element-wise vector arithmetic: a hole in either operand is a hole in the
# result; int division truncates.  (A count too large to promote to int:
# errors/zeek/vector_int_overflow.zs.)
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
	}
