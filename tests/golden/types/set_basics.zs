# Sets: add, delete, membership, size, and set operations.
event zeek_init()
	{
	local s: set[string];
	add s["a"];
	add s["b"];
	add s["a"];
	print s, |s|;
	print "a" in s, "z" in s;
	delete s["a"];
	print s;
	local x = set(1, 2, 3);
	local y = set(2, 3, 4);
	print x & y;
	print x - y;
	local u = x | y;
	print |u|;
	}
