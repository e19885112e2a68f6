# |x| of an `any` is the size of the value it holds: a count, or a double
# for the double-valued types; the result is itself an `any`.
global vals: vector of any = { 13.0 as time, -5, 7, "four", 2 min, 10.0.0.0/30, set(1, 2) };
for ( i in vals )
	{
	local n = |vals[i]|;
	print vals[i], n, type_name(n);
	}
local d = |vals[0]| as double;
print d + 1.0;
