# Globals with and without explicit types, consts, and type inference.
global a: count = 3;
global b = "hello";
global c: double;
const limit = 10;
const greeting: string = "hi";

event zeek_init()
	{
	c = 2.5;
	a += limit;
	print a, b, c, limit, greeting;
	print type_name(a), type_name(b), type_name(c), type_name(limit);
	}
