# A when waits until a global it watches changes so that its condition holds.
global ready = F;
global items: set[string];

event make_ready()
	{
	print "making ready";
	ready = T;
	}

event add_item()
	{
	add items["x"];
	}

event zeek_init()
	{
	when ( ready )
		{
		print "ready now";
		}
	when ( "x" in items )
		{
		print "x arrived";
		}
	schedule 1 sec { make_ready() };
	schedule 2 sec { add_item() };
	print "waiting";
	}
