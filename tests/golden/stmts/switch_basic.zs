# switch with multiple labels per case, default, and break.
function name(n: count): string
	{
	local r = "";
	switch ( n ) {
	case 0:
		r = "zero";
		break;
	case 1, 2, 3:
		r = "small";
		break;
	default:
		r = "big";
		break;
	}
	return r;
	}

event zeek_init()
	{
	print name(0), name(2), name(3), name(99);
	switch ( "b" ) {
	case "a":
		print "a";
		break;
	case "b":
		print "b";
		break;
	}
	switch ( 7 ) {
	case 1:
		print "no match, no default: nothing happens";
		break;
	}
	print "after";
	}
