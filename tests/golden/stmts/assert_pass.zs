# Passing assert statements are silent.
event zeek_init()
	{
	local x = 2;
	assert x == 2;
	assert x > 1, "x must exceed 1";
	assert "a" in set("a");
	print "all assertions held";
	}
