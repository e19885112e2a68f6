# An undeclared event handler binds to the name as written, so `ping` and `Net::ping` are different events.
module Net;

export {
	global ping: event(n: count);
}

event ping(n: count)
	{
	print "Net::ping", n;
	}

event ::ping(n: count)
	{
	print "global ping", n;
	}

module GLOBAL;

event zeek_init()
	{
	event ping(1);
	event Net::ping(2);
	event ::ping(3);
	}
