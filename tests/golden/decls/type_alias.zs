# Named types: aliases for basic, record, table and set types.
type Count2: count;
type Point: record {
	x: int;
	y: int;
};
type Index: table[string] of Point;
type Names: set[string];

event zeek_init()
	{
	local c: Count2 = 42;
	local p: Point = [$x=1, $y=-2];
	local idx: Index = {["origin"] = [$x=0, $y=0]};
	idx["p"] = p;
	local n: Names = set("x");
	print c, p;
	print idx;
	print n;
	print type_name(p), type_name(idx);
	}
