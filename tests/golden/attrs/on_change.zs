# &on_change reports new, changed and removed elements of a table.
function changed(t: table[string] of count, tpe: TableChange, k: string, v: count)
	{
	print "change", tpe, k, v;
	}

global watched: table[string] of count &on_change=changed;

event zeek_init()
	{
	watched["a"] = 1;
	watched["a"] = 2;
	watched["b"] = 3;
	delete watched["a"];
	delete watched["zzz"];
	print watched;
	}
