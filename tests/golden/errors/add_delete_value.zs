# @expect-fail
# `add x` and `delete x` are expressions of no value (Zeek's AggrAddExpr and
# AggrDelExpr): assigning one is an error.
global s: set[count];
global t: table[string] of count;

event zeek_init()
	{
	local a: any = add s[3];
	local b: any;
	b = delete t["x"];
	add s[4];
	delete t["y"];
	}
