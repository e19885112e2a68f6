# `as` converts between numeric types and from any; `is` checks a value's type.
event zeek_init()
	{
	local c: count = 5;
	local d = c as double;
	local i = c as int;
	print d, i, type_name(d), type_name(i);
	local a: any = "text";
	print a is string, a is count;
	print (a as string) + "!";
	local n: any = 3;
	print n is count, n is int, (n as count) * 2;
	}
