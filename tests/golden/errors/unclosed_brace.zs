# @expect-fail
# An unclosed '{' is reported at the end of the file.
event zeek_init()
	{
	if ( T )
		{
		print "open";
	}
