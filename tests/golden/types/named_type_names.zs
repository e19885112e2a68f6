# A value of a named table, set, vector or function type reports the type's
# name, also inside another type (Zeek's Type::Describe).
type ResultTable: table[string] of count;
type ResultSet: set[count];
type Names: vector of string;
type Callback: function(s: string): count;
type Nested: table[count] of ResultSet;

global got: event(t: ResultTable, s: ResultSet);

event got(t: ResultTable, s: ResultSet)
	{
	print "event args", type_name(t), type_name(s);
	}

function cb(s: string): count
	{
	return |s|;
	}

event zeek_init()
	{
	local t: ResultTable = table();
	local s: ResultSet = set();
	local v: Names = Names("a");
	local f: Callback = cb;
	local n: Nested = table();
	print type_name(t), type_name(s), type_name(v), type_name(f), type_name(n);
	local plain: table[string] of count = table();
	print type_name(plain), type_name(set(1, 2)), type_name(vector(1.5));
	local anon: table[count] of ResultSet = table();
	print type_name(anon);
	event got(table(), set());
	}
