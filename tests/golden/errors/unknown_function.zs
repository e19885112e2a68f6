# @expect-fail
# Calling an undefined function is an unknown identifier error; a near-miss bif name is suggested.
event zeek_init()
	{
	print to_uper("x");
	print no_such_function_anywhere(1);
	}
