# Enum values and types declared in an export block are named Mod::X outside the module.
module Traffic;

export {
	type Light: enum { RED, AMBER, GREEN };
	type State: record {
		light: Light &default=RED;
	};
	global next_light: function(l: Light): Light;
}

function next_light(l: Light): Light
	{
	switch ( l ) {
	case RED: return GREEN;
	case GREEN: return AMBER;
	default: return RED;
	}
	}

module GLOBAL;

event zeek_init()
	{
	local s = Traffic::State();
	print s, s$light;
	print Traffic::next_light(s$light), Traffic::next_light(Traffic::GREEN);
	print type_name(s), type_name(Traffic::AMBER);
	}
