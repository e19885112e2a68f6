# A when whose condition is already true runs its body right away.
event zeek_init()
	{
	local x = 5;
	when [x] ( x > 3 )
		{
		print "body ran", x;
		}
	print "after when";
	}
