# @expect-fail
# Arithmetic on a string and a number is rejected.
event zeek_init()
	{
	local s = "a";
	print s + 1;
	}
