# global_ids() describes the global identifiers (type, flags, value,
# attributes) and the modules; lookup_ID() gives a global's value.
module Test;

export {
	const c: count = 42 &redef;
	global t: table[string] of string &write_expire=42 sec &default_insert="hey!";
	option o = 1.5;
}

type Color: enum { RED, GREEN };

module GLOBAL;

event zeek_init()
	{
	local a = global_ids();
	local c = a["Test::c"];
	print c$type_name, c$exported, c$constant, c$redefinable, c$value, c$attributes;
	print a["Test::t"]$attributes;
	print a["Test::o"]$option_value, a["Test::o"]$value;
	print a["Test::GREEN"]$enum_constant, a["Test::GREEN"]$value;
	print a["module Test"]$type_name, a["module GLOBAL"]?$value;
	print lookup_ID("Test::c"), lookup_ID("Test::RED"), lookup_ID("nope"), type_name(lookup_ID("zeek_init"));
	print is_event_handled("zeek_init"), is_event_handled("zeek_done");
	print is_event_handled("Test::c");
	}
