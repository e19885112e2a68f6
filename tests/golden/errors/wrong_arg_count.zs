# @expect-fail
# Calling a function with the wrong number of arguments is an error.
function add2(a: count, b: count): count
	{
	return a + b;
	}

event zeek_init()
	{
	print add2(1);
	print add2(1, 2, 3);
	}
