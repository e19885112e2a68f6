# @expect-fail
# Passing an argument of the wrong type is an error.
function shout(s: string): string
	{
	return to_upper(s);
	}

event zeek_init()
	{
	print shout(42);
	}
