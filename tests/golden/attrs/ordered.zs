# &ordered tables and sets iterate and print in insertion order.
global t: table[count] of string &ordered;
global s: set[string] &ordered;

event zeek_init()
	{
	t[5] = "five";
	t[1] = "one";
	t[3] = "three";
	add s["z"];
	add s["a"];
	add s["m"];
	for ( k, v in t )
		print k, v;
	print s;
	delete t[1];
	t[1] = "one again";
	print t;
	}
