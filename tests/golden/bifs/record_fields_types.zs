# record_fields names enum and record types with their kind, gives the
# &default of a field as its default value, and takes a type name.
type color: enum { RED, BLUE };
type inner: record { x: bool; };
type outer: record {
	c: color &default=BLUE;
	i: inner;
	s: set[count, inner];
	v: vector of color;
	t: table[string] of vector of inner;
};

event zeek_init()
	{
	local f = record_fields("outer");
	for ( n in set("c", "i", "s", "v", "t") )
		print n, f[n]$type_name, f[n]?$default_val;
	print f["c"]$default_val;
	print |record_fields("color")|, |record_fields(color)|, |record_fields(inner)|;
	}
