# A runtime error in one zeek_init body does not stop the other zeek_init bodies or queued events.
type Rec: record {
	f: string &optional;
};

event later()
	{
	print "later event";
	}

event zeek_init() &priority=10
	{
	event later();
	local r = Rec();
	print r$f;
	print "unreachable";
	}

event zeek_init()
	{
	print "other zeek_init";
	}
