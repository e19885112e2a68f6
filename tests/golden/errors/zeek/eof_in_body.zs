# @expect-fail
# @error-format: zeek
# The file ends inside a handler body.
event zeek_init()
	{
	print "never";
