# A function with a result that ends without `return` warns and yields no
# value; sort() with such a comparison function is a run-time error
# reported at the function.
function maybe(n: count): string
	{
	if ( n > 1 )
		return "big";
	}

function bad_cmp(a: count, b: count): int
	{
	}

event zeek_init()
	{
	print maybe(2);
	maybe(1);
	local v = vector(3, 1, 2);
	print sort(v, bad_cmp);
	print "not reached";
	}
