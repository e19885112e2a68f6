# `as` between numbers and from strings reads numbers as the C library does:
# leading white space and a sign are taken, trailing white space only for
# integers, "-5" as count wraps around, doubles round to the nearest integer.
event zeek_init()
	{
	local d1 = 3.5;
	local d2 = 4.5;
	local d3 = 3.9;
	print d1 as count, d2 as count, d3 as count, d3 as int, -d3 as int;
	print " 205" as count, "206 " as count, "-5" as count, "+7" as int;
	print "18446744073709551616" as count, "-9223372036854775809" as int;
	print "1e3" as double, "  .5" as double, "0x10" as double, "0x" ?as double;
	print "" ?as count, " " ?as count, "12abc" ?as count, "1.5 " ?as double;
	local i = -2;
	local c = 9223372036854775808;
	print i ?as count, c ?as int, (c - 1) as int;
	print 1.5 as interval, 2 as time, 3sec as double;
	print 1.5 ?as count, (-1.5) ?as count;
	}
