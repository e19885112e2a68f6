# Subtracting a larger count from a smaller one warns "count underflow" and wraps around.
event zeek_init()
	{
	local a: count = 1;
	local b: count = 2;
	print a - b;
	print "after";
	}
