# EventMetadata without add_network_timestamp: registering types (the same
# type again is fine, another type or one that cannot cross the wire is
# refused), and no metadata anywhere: current_event_time() is -1.0.

module App;

export {
	redef enum EventMetadata::ID += {
		TENANT = 1000,
		COUNTERS = 1001,
		BAD = 1002,
	};
}

type Holder: record {
	f: file;
};

global later: event();

event zeek_init()
	{
	print "register string", EventMetadata::register(TENANT, string);
	print "again", EventMetadata::register(TENANT, string);
	print "other type", EventMetadata::register(TENANT, count);
	print "table", EventMetadata::register(COUNTERS, table[string] of count);
	print "table, other index", EventMetadata::register(COUNTERS, table[count] of count);
	print "any", EventMetadata::register(BAD, any);
	print "vector of any", EventMetadata::register(BAD, vector of any);
	print "record with a file", EventMetadata::register(BAD, Holder);
	print "time for the timestamp", EventMetadata::register(EventMetadata::NETWORK_TIMESTAMP, time);
	print "double for the timestamp", EventMetadata::register(EventMetadata::NETWORK_TIMESTAMP, double);
	print "zeek_init", current_event_time(), EventMetadata::current_all();
	event later();
	schedule 1 sec { later() };
	}

event later()
	{
	print "later", current_event_time(), EventMetadata::current_all(), EventMetadata::current(TENANT);
	}

# Outside any event: nothing.
print "top level", |EventMetadata::current_all()|, |EventMetadata::current(EventMetadata::NETWORK_TIMESTAMP)|;
