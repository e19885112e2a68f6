# to_upper and to_lower change ASCII letters only.
event zeek_init()
	{
	print to_upper("Hello, World 42!");
	print to_lower("MiXeD CaSe");
	print to_upper(""), to_lower("already lower");
	}
