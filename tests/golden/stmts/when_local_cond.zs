# A when condition `local x = expr` holds as soon as expr evaluates (even to 0); other conditions wait.
redef exit_only_after_terminate = T;

global names: table[count] of string;

event fill()
	{
	print "fill";
	names[1] = "one";
	}

event stop()
	{
	terminate();
	}

event zeek_init()
	{
	when ( local n = |names| )
		{
		print "assigned immediately", n;
		}
	when ( |names| > 0 )
		{
		print "names filled", names[1];
		}
	timeout 1 min
		{
		print "timeout";
		}
	print "after when";
	schedule 1 sec { fill() };
	schedule 2 min { stop() };
	}
