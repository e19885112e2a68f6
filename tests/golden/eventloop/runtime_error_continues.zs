# A runtime error aborts only the handler body it occurs in; other bodies and later events run.
global t: table[string] of count;

event lookup(k: string)
	{
	print "looking up", k;
	print t[k];
	print "found", k;
	}

event lookup(k: string) &priority=-1
	{
	print "second body for", k;
	}

event zeek_init()
	{
	t["a"] = 1;
	event lookup("missing");
	event lookup("a");
	}
