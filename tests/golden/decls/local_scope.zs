# Locals are scoped to their function body; a local shadows a global of the same name.
global x = "global x";

function f(): string
	{
	local x = "local x";
	return x;
	}

event zeek_init()
	{
	print f();
	print x;
	local y: count;
	y = 7;
	if ( y > 3 )
		{
		local z = y * 2;
		print z;
		}
	}
