# Doubles always print with a decimal point or an exponent.
event zeek_init()
	{
	print 5.0, 0.5, 3.25, 1e3, 3600.0;
	print 1.0 / 3.0, 2.0 / 4.0, 10.0 * 0.1;
	print 0.000005, 0.0000005, 1e-13;
	print 123456.789, -2.5, 100.0 / 8;
	print type_name(1 + 0.5), type_name(3 * 1.0);
	}
