# A record constructor matches the named record type's index in a table, and
# a record stored as an index keeps matching after `redef record` adds a field.
type r: record {
	a: string;
	b: count;
};

global foo: table[r] of count = { [[$a="foo", $b=1]] = 1 };
global mr = r($a="x", $b=2);
global active: set[r] = { mr };

redef record r += { c: count &default=5; };

event zeek_init()
	{
	local anon = [$a="foo", $b=1];
	print [$a="foo", $b=1] in foo, record($a="foo", $b=1) in foo, anon in foo;
	print foo[[$a="foo", $b=1]];
	print mr in active, r($a="x", $b=2) in active, r($a="x", $b=2, $c=6) in active;
	}
