# A runtime error in one body of an event does not stop the event's other bodies.
global t: table[count] of string;

event ev(k: count) &priority=1
	{
	print "first body", t[k];
	}

event ev(k: count)
	{
	print "second body", k;
	}

event zeek_init()
	{
	event ev(1);
	}
