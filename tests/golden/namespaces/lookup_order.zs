# A plain name in module M means M::name if it exists, else the global name; ::name is always the global.
global level = "global level";
global only_global = "only global";

module Deep;

global level = "Deep level";

event zeek_init()
	{
	print level;
	print ::level;
	print Deep::level;
	print only_global;
	}
