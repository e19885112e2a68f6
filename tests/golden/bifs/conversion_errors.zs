# Bad conversions report a builtin error, return 0 and let the handler continue.
event zeek_init()
	{
	local a: int = -2;
	print int_to_count(a);
	print to_count("not a count");
	print to_int("x1");
	print "continues";
	}
