# @expect-fail
# @error-format: zeek
# The constructor made of `{ ... }` after `+=` is located at its elements, as
# in Zeek (CheckForRHSList): one line here, not 11-13; after `=`, at the braces.
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
