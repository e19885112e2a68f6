# An event declared in an export block is handled as Mod::ev from other modules and as ev inside the module.
module Feed;

export {
	global item: event(n: count);
}

event item(n: count) &priority=1
	{
	print "Feed sees item", n;
	}

module Consumer;

event Feed::item(n: count)
	{
	print "Consumer sees item", n;
	}

event zeek_init()
	{
	event Feed::item(7);
	}
