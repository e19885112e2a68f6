# when captures are shallow by default and deep with copy.
global go = F;

event trigger_it()
	{
	go = T;
	}

event zeek_init()
	{
	local shared = vector(1);
	local copied = vector(1);
	when [shared, copy copied] ( go )
		{
		print "shared", shared;
		print "copied", copied;
		}
	shared += 2;
	copied += 2;
	schedule 1 sec { trigger_it() };
	}
