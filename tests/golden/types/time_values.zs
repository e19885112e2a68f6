# time values: arithmetic with intervals and conversion to and from double.
event zeek_init()
	{
	local t = double_to_time(1000.0);
	local later = t + 5 min;
	print t, later, later - t;
	print later > t, type_name(later), type_name(later - t);
	print time_to_double(later), t - 1 hr;
	}
