# With EventMetadata::add_network_timestamp every local event carries the
# network time at which it was queued, a scheduled one the time it was due;
# current_event_time() and EventMetadata::current read it.

redef EventMetadata::add_network_timestamp = T;
redef allow_network_time_forward = F;

global raised: event(tag: string);

function show(tag: string)
	{
	print tag, current_event_time(), EventMetadata::current(EventMetadata::NETWORK_TIMESTAMP), EventMetadata::current_all();
	}

event zeek_init()
	{
	set_network_time(100.0 as time);
	event raised("queued at 100");
	set_network_time(150.0 as time);
	event raised("queued at 150");
	schedule 10 sec { raised("due at 160") };
	}

event raised(tag: string)
	{
	show(tag);
	}

event zeek_done()
	{
	print "zeek_done is stamped", current_event_time() == network_time();
	}
