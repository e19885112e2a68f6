# @expect-fail
# @error-format: zeek
# A local of event type cannot name the event to schedule.
event e1(num: count)
	{
	print num;
	}

event zeek_init()
	{
	local v: event(num: count);
	v = e1;
	schedule 1sec { v(6) };
	}
