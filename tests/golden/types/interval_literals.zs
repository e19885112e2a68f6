# Interval literals in every unit and how intervals print.
event zeek_init()
	{
	print 5 min, 10sec, 2 hrs, 1 day, 3 days, 250 msec, 7 usec;
	print 800 secs, 90 mins, 36 hrs, 1.5 sec;
	print 0 secs, -1 min, 1 min - 90 secs;
	print 1 hr + 2 mins + 3 secs;
	print 2 * 5 min, 1 hr / 4, 1 hr / 30 min;
	print type_name(1 sec), 1 min < 1 hr, 60 sec == 1 min;
	}
