# Functions are values: assign them, pass them, store them in containers.
function double_it(x: count): count
	{
	return x * 2;
	}

function apply(f: function(x: count): count, v: count): count
	{
	return f(v);
	}

event zeek_init()
	{
	local g = double_it;
	print g(4), apply(double_it, 5);
	local ops: table[string] of function(x: count): count = {
		["dbl"] = double_it,
		["inc"] = function(x: count): count { return x + 1; },
	};
	print ops["inc"](1), ops["dbl"](21);
	print type_name(g);
	}
