# ::f calls the global function even from a module that defines its own f.
function describe(): string
	{
	return "global describe";
	}

module Local;

function describe(): string
	{
	return "Local describe";
	}

function ::helper(): string
	{
	return "global helper defined inside Local";
	}

event zeek_init()
	{
	print describe();
	print ::describe();
	print Local::describe();
	print helper();
	}
