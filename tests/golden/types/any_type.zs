# Values of type any keep their dynamic type; `is` tests it and `as` converts back.
function show(a: any)
	{
	if ( a is count )
		print "count", (a as count) + 1;
	else if ( a is string )
		print "string", (a as string) + "!";
	else
		print "other", type_name(a);
	}

event zeek_init()
	{
	show(41);
	show("hi");
	show(1.5);
	show(vector(1));
	local v: vector of any = { 1, "two", 3.0 };
	print v, type_name(v[1]);
	}
