# Pattern literals: `in` searches for a match, == requires the whole string to match.
event zeek_init()
	{
	local p = /ab+c/;
	print p;
	print p in "xxabbbcyy", p in "ac", "abc" == p, "abcd" == p;
	print /^fo+$/ in "foo", /^fo+$/ in "xfoo";
	}
