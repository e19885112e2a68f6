# |x| of an interval is its absolute value as a double.
event zeek_init()
	{
	print |-3 min|, type_name(|-3 min|);
	}
