# fmt with %s, %d, %x, %f, precision and width specifiers.
event zeek_init()
	{
	print fmt("%s|%d|%x", "str", 42, 255);
	print fmt("%f|%.2f|%.0f", 3.14159, 2.0 / 3.0, 2.5);
	print fmt("[%5d][%-5d][%05d]", 42, 42, 42);
	print fmt("[%8s][%-8s]", "ab", "ab");
	print fmt("%d%%", 50);
	print fmt("%s and %s", T, 1.5);
	print fmt("%d", -7), fmt("%x", 3735928559);
	}
