# A mask wider than the address is a run-time error.
event zeek_init()
	{
	local i = 33;
	print 1.2.3.4 / i;
	}

event zeek_init() &priority=-1
	{
	local i = 129;
	print [::1] / i;
	}
