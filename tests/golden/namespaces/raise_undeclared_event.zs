# @expect-fail
# Raising an event that has neither a declaration nor a handler (so far) is an error: "not an event".
event zeek_init()
	{
	event nowhere(1);
	event later();
	}

event later()
	{
	print "later";
	}
