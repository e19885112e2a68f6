# A when inside a function captures the function's locals; the function returns immediately.
redef exit_only_after_terminate = T;

global flag = F;

function waiter(tag: string)
	{
	local v = vector(1);
	when [tag, v] ( flag )
		{
		print "when in function", tag, v;
		terminate();
		}
	v += 2;
	print "waiter returns", tag;
	}

event set_flag()
	{
	flag = T;
	}

event zeek_init()
	{
	waiter("w1");
	schedule 1 sec { set_flag() };
	}
