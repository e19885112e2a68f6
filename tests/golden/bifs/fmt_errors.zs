# fmt argument mismatches are builtin errors: fmt returns "" (or its best effort) and the handler continues.
event zeek_init()
	{
	print fmt("%s %s", 1);
	print fmt("%s", 1, 2);
	print fmt("%d", "x");
	print fmt("%.2d", 3);
	print "continues";
	}
