# An expiration interval that fails to evaluate is reported once and the
# table then keeps its entries.
redef table_expire_interval = 1 sec;
global x: table[string] of interval;
global data: table[int] of string &create_expire=x["nope"];

event check()
	{
	print data;
	}

event zeek_init()
	{
	data[0] = "kept";
	schedule 5 sec { check() };
	}
