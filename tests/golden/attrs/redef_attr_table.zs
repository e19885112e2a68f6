# A &redef table can be redefined wholesale or extended; its &default survives.
const limits: table[string] of count = { ["cpu"] = 1 } &default=99 &redef;

redef limits += { ["mem"] = 2 };

event zeek_init()
	{
	print limits["cpu"], limits["mem"], limits["disk"];
	}
