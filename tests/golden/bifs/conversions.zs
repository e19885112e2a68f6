# to_count, to_int and to_double parse strings; int/count/double converters.
event zeek_init()
	{
	print to_count("42"), to_int("-17"), to_double("2.5");
	print to_count("42") + 1, to_int("+3") * 2, to_double("1e3");
	print int_to_count(5), double_to_count(3.0), count_to_double(7);
	print double_to_int(-2.0), int_to_double(-4);
	print interval_to_double(2 min), double_to_interval(90.0);
	}
