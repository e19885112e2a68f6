# @expect-fail
# @error-format: zeek
# Strings cannot be changed: assigning to an index or a slice of one is an
# error (Zeek's wording).
event zeek_init()
	{
	local s = "five";
	s[1] = "x";
	s[0:2] = "ab";
	local t: table[count] of string;
	t[5] = "five"[1] = "one";
	}
