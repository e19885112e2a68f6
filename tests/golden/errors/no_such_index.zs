# Indexing a table with a missing key is a runtime error; the next event still runs.
global t: table[string] of string = { ["a"] = "A" };

event get(k: string)
	{
	print "get", k;
	if ( t[k] == "A" )
		print "found A";
	print "end of get", k;
	}

event zeek_init()
	{
	event get("nope");
	event get("a");
	}
