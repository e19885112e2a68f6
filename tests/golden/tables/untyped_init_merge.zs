# An untyped table initializer whose values differ in type gets one value
# type for all: numbers the widest, records the union of their fields (a field
# some lack is optional).  Values added later are coerced to it.
type Kind: enum { MANAGER, WORKER };

global nodes = {
	["m"] = [$kind=MANAGER, $p=3/tcp],
	["w1"] = [$kind=WORKER, $p=5/udp, $manager="m"],
};

event zeek_init()
	{
	print nodes;
	nodes += { ["w2"] = [$kind=WORKER, $p=7/udp] };
	print nodes["w2"];
	print nodes["w2"]?$manager, nodes["w1"]?$manager;

	local n = { [1] = 1, [2] = -2, [3] = 2.5 };
	print n;
	print type_name(n);
	}
