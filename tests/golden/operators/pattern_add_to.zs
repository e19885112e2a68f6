# `p += q` makes p match what either pattern matches; Zeek writes q's text
# first, each part anchored again.
global p = /foo/;

event zeek_init()
	{
	local q = p;
	p += /ba[rz]/;
	print p;
	print "foo" == p, "baz" == p, "qux" == p, /baz/ in "a baz b";
	# q still holds the pattern p had.
	print q, "baz" == q;
	local r = /x/i;
	r += /y/;
	print "X" == r, "y" == r, "Y" == r;
	}
