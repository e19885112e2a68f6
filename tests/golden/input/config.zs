# The config framework: options changed with Config::set_value and from a
# file, change handlers in priority order, and the values they return.
@load base/frameworks/config

redef exit_only_after_terminate = T;

option level = 1;
option verbose = F;
option names: vector of string = vector();

function log_change(ID: string, new_value: count, location: string): count
	{
	print fmt("  level: %d -> %d (%s)", level, new_value, location == "" ? "script" : location);
	return new_value;
	}

function log_change_bad(ID: string, new_value: string): string
	{
	return new_value;
	}

function cap(ID: string, new_value: count): count
	{
	return new_value > 5 ? 5 : new_value;
	}

event zeek_init()
	{
	Option::set_change_handler("level", log_change);
	Option::set_change_handler("level", cap, 10);
	print Config::set_value("level", 2), level;
	print Config::set_value("level", 9), level;
	print Option::set("level", "two"), level;
	print Option::set("nope", 1);
	print Option::set_change_handler("level", log_change_bad);
	print Option::set_change_handler("verbose", cap);
	Config::read_config("config.data");
	}

event Input::end_of_data(name: string, source: string)
	{
	print "read", source, level, verbose, names;
	terminate();
	}
