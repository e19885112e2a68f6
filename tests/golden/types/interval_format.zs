# Interval printing across units, with negative and fractional values.
event zeek_init()
	{
	print -(1 day + 10 hrs + 17 mins);
	print 1 day + 2 secs, 8 days + 12 hrs;
	print 1.234567891 msec, 999.999898 usec;
	print 3600 secs, 86400 secs, 0.5 sec;
	print double_to_interval(-0.25);
	}
