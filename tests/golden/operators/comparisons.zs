# Relational operators on numbers of mixed type, strings, intervals and times.
event zeek_init()
	{
	local c: count = 3;
	local i: int = -1;
	local d = 2.5;
	print c > i, i < d, c >= 3, d <= 2.5, c == 3.0;
	print "apple" < "banana", "B" < "a";
	print 1 min < 61 sec, 2 hrs >= 120 mins;
	print double_to_time(5.0) < double_to_time(6.0);
	}
