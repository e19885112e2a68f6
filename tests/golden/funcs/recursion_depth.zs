# set_max_recursion_depth limits nested calls (0: no limit); a call too deep
# ends the handler with an error at the called function.
function recurse(n: count, limit: count): count
	{
	if ( n >= limit )
		return 0;

	return 1 + recurse(n + 1, limit);
	}

event zeek_done()
	{
	print get_max_recursion_depth();
	print recurse(0, 50);
	set_max_recursion_depth(0);
	print get_max_recursion_depth(), recurse(0, 3000);
	set_max_recursion_depth(10);
	print get_max_recursion_depth(), recurse(0, 5);
	print recurse(0, 20);
	print "not reached";
	}

event zeek_done() &priority=-5
	{
	print "next handler";
	}
