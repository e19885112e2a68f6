# A for loop's variable may be an existing parameter: Zeek reuses the
# identifier (parse.y's for_head), so the parameter holds the last item after
# the loop.  A plain local of the same name is still an error (see decls).
global drops: table[string] of count = { ["a"] = 3, ["b"] = 0 };

event ping(sender: string, xdc: count)
	{
	print "before", xdc;
	for ( _, xdc in drops )
		if ( xdc == 0 )
			print "a zero from", sender;
	print "after", xdc in set(0, 3);
	for ( sender in set("z") )
		print "key", sender;
	print "sender", sender;
	}

event zeek_init()
	{
	event ping("m", 7);
	}
