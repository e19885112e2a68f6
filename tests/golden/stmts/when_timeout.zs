# A when whose condition never holds runs its timeout block.
global flag = F;

event zeek_init()
	{
	local name = "job";
	when [name] ( flag )
		{
		print "never";
		}
	timeout 2 secs
		{
		print "timed out", name;
		}
	print "started";
	}

event zeek_done()
	{
	print "done";
	}
