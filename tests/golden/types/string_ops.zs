# String concatenation, comparison, indexing/slicing, size, and escapes.
event zeek_init()
	{
	local s = "hello";
	local w = s + ", " + "world";
	print w, |w|;
	print s[0], s[1:3], s[-1], s[:2], s[3:];
	print "abc" < "abd", "b" > "a", s == "hello", s != "x";
	print "ell" in s, "xyz" !in s;
	print "tab\there", "quote\"d", "new\nline";
	}
