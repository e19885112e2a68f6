# Hook bodies run in &priority order; break stops the rest and makes the call return F.
global filter: hook(s: string);

hook filter(s: string) &priority=10
	{
	print "first", s;
	}

hook filter(s: string) &priority=5
	{
	if ( s == "drop" )
		break;
	print "second", s;
	}

hook filter(s: string)
	{
	print "third", s;
	}

event zeek_init()
	{
	print hook filter("keep");
	print hook filter("drop");
	if ( hook filter("x") )
		print "all bodies ran";
	}
