# @error-format: zeek
# ignore-deprecations pushed inside a body covers only the lines up to its pop.
module X;

export {
	global c: count = 1 &deprecated="removal planned";
}

event zeek_init()
	{
	print c;
@pragma push ignore-deprecations
	print c + 1;
@pragma pop ignore-deprecations
	print c + 2;
	}
