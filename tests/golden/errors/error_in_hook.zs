# A runtime error in a hook body aborts only that body: other bodies run and the hook call returns T.
global h: hook(t: table[string] of count);

hook h(t: table[string] of count) &priority=5
	{
	print "hook body 1", t["missing"];
	}

hook h(t: table[string] of count)
	{
	print "hook body 2";
	}

event go()
	{
	print "before hook";
	print hook h(table());
	print "after hook";
	}

event zeek_init()
	{
	event go();
	}
