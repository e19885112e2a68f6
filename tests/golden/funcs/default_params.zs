# Function parameters with &default values can be omitted by callers.
function greet(name: string, greeting: string &default="hello", times: count &default=1): string
	{
	local out = "";
	local i = 0;
	while ( i < times )
		{
		out += fmt("%s %s;", greeting, name);
		++i;
		}
	return out;
	}

event zeek_init()
	{
	print greet("ann");
	print greet("bob", "hi");
	print greet("cy", "yo", 2);
	}
