# A failed `as` is a run-time error that ends the handler; `?as` only tells.
event zeek_init()
	{
	local s = "not a number";
	print s ?as count;
	print s as count;
	print "not reached";
	}

event zeek_init() &priority=-1
	{
	local a: any = 1.2.3.4;
	print a ?as string;
	print a as string;
	}
