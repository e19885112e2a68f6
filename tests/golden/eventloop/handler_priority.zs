# Handlers of one event run by &priority (higher first), also for zeek_init and zeek_done.
event zeek_init() &priority=-10
	{
	print "init -10";
	}

event zeek_init() &priority=10
	{
	print "init 10";
	}

event zeek_init()
	{
	print "init 0";
	}

event zeek_done() &priority=-5
	{
	print "done -5";
	}

event zeek_done() &priority=5
	{
	print "done 5";
	}
