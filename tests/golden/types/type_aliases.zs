# type_aliases: every name declared for a type, through chains of
# `type B: A;` declarations; nothing for a type no declaration names (a
# basic type, an anonymous container) or for a basic value, which does not
# remember the alias it was declared with.
type Rec: record { a: count &optional; };
type RecToo: Rec;
type Colour: enum { RED, GREEN };
type Hue: Colour;
type Name: string;
type Label: Name;
type Title: Label;
type Other: string;
type Counts: table[string] of count;
type MoreCounts: Counts;

function show(what: string, x: any)
	{
	local names: vector of string;
	for ( n in type_aliases(x) )
		names += n;
	print what, join_string_vec(sort(names, strcmp), " "), |names|;
	}

show("Rec", Rec);
show("RecToo value", RecToo());
show("GREEN", GREEN);
show("Hue", Hue);
show("Name", Name);
show("Title", Title);
show("Other", Other);
local n: Name = "x";
show("Name value", n);
show("Counts value", MoreCounts(["a"] = 1));
show("anonymous table", table(["a"] = 1));
show("count", count);
