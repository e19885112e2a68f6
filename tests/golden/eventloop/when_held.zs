# A `when` condition waiting for an asynchronous result is held: it is not
# evaluated again until the result is there (Zeek's Trigger::Hold), however
# many events run meanwhile, and the call's arguments are not evaluated again
# then (the cached result is taken first, as in Zeek's CallExpr::Eval).
# Bodies run in the order the results arrive.
redef exit_only_after_terminate = T;

global g = 0;
global evals = 0;
global args = 0;

function reached(n: count): count
	{
	return when [n] ( g >= n )
		{
		return g;
		}
	}

function note(): bool
	{
	++evals;
	return T;
	}

function arg(n: count): count
	{
	++args;
	return n;
	}

event tick()
	{
	++g;
	print "tick", g;
	if ( g < 6 )
		schedule 1msec { tick() };
	}

event zeek_init()
	{
	when ( note() && local a = reached(arg(5)) )
		{
		print "five", a, evals, args;
		terminate();
		}
	timeout 1sec
		{
		print "timeout five";
		}

	when ( local b = reached(2) )
		{
		print "two", b;
		}
	timeout 1sec
		{
		print "timeout two";
		}

	schedule 1msec { tick() };
	}
