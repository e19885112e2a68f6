# @expect-fail
# @error-format: zeek
# A `{ ... }` initializer is located at its elements, not its braces, as in
# Zeek (whose grammar takes the list's location): one line here, not 7-9.
type R: record {
	b: count;
};

global t: table[string] of R = table() &redef;

redef t += {
	["x"] = [$b="no"]
};

global s: set[count] = {
	1, "two",
	3
};
