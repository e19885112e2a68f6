# @expect-fail
# A missing closing parenthesis is named as such.
event zeek_init()
	{
	if ( 1 == 1
		print "x";
	}
