# @expect-fail
# @wall-clock
# A fatal error in a handler ends the process at once, as Zeek's
# Reporter::fatal: the events queued behind it do not run, nor do net_done
# or zeek_done.
global n = 0;

event boom(i: count)
	{
	++n;
	print "boom", i;
	Reporter::fatal(fmt("stop at %d", i));
	}

event zeek_init()
	{
	event boom(1);
	event boom(2);
	schedule 10msec { boom(3) };
	}

event net_done(t: time)
	{
	print "net_done";
	}

event zeek_done()
	{
	print "zeek_done", n;
	}
