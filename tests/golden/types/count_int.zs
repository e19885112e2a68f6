# count and int arithmetic, unary minus, modulo and integer division.
event zeek_init()
	{
	local c: count = 17;
	local i: int = -5;
	print c + 3, c - 7, c * 2, c / 5, c % 5;
	print i, -i, i * 3, i / 2, i % 3, +i;
	print type_name(c + i), type_name(-c), type_name(c / 2);
	print 0x1f, 1000000, -0;
	}
