# An event parameter with &default may be omitted when raising; alternate prototypes may reorder parameters.
global note: event(level: count, msg: string, tag: string &default="none");
global note: event(msg: string, level: count);
global note: event(tag: string);

event note(level: count, msg: string, tag: string)
	{
	print "canonical", level, msg, tag;
	}

event note(msg: string, level: count)
	{
	print "reordered", msg, level;
	}

event note(tag: string)
	{
	print "tag only", tag;
	}

event zeek_init()
	{
	event note(1, "first");
	event note(2, "second", "t2");
	}
