# fallthrough continues into the next case body.
function f(n: count)
	{
	switch ( n ) {
	case 1:
		print "one";
		fallthrough;
	case 2:
		print "one or two";
		break;
	case 3:
		print "three";
		fallthrough;
	default:
		print "default reached";
		break;
	}
	}

event zeek_init()
	{
	f(1);
	print "--";
	f(2);
	print "--";
	f(3);
	print "--";
	f(4);
	}
