# @expect-fail
# Declaring the same local twice in one body is an error.
event zeek_init()
	{
	local a = 1;
	local a = 2;
	print a;
	}
