# Arguments of a scheduled event are evaluated when it is scheduled, not when it fires.
global counter = 0;

event show(value: count, label: string)
	{
	print label, value, counter;
	}

event zeek_init()
	{
	counter = 1;
	schedule 1 sec { show(counter, "first") };
	counter = 2;
	schedule 2 secs { show(counter * 10, "second") };
	counter = 3;
	event show(counter, "queued");
	}
