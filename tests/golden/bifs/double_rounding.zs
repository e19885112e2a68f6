# double_to_count and double_to_int round to the nearest integer (ties to even), like C's rint.
event zeek_init()
	{
	print double_to_count(3.9), double_to_count(3.14), double_to_count(2.5);
	print double_to_int(-2.7), double_to_int(2.5), double_to_int(3.5);
	}
