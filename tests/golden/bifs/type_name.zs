# type_name describes the static type of its argument.
type Rec: record {
	x: count;
};
type Color: enum { RED };

event zeek_init()
	{
	print type_name(1), type_name(-1), type_name(1.0), type_name("s"), type_name(T);
	print type_name(1 sec), type_name(double_to_time(0.0));
	print type_name(Rec($x=1)), type_name(RED);
	print type_name(set(1)), type_name(vector("a"));
	local t: table[string, count] of vector of string;
	print type_name(t);
	local s: set[Rec];
	print type_name(s);
	}
