# @expect-fail
# @error-format: zeek
# An index list in a table constructor takes no trailing comma (a list
# constructor elsewhere may have one).
global ok = [1, 2, ];
global tab: table[string, string] of string = {
	["abc", "def", ] = "ghi",
};
global tab2 = table(
	["abc", "def", ] = "ghi",
);
