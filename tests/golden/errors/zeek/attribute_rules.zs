# @expect-fail
# @error-format: zeek
# Zeek's attribute rules: each message lists the attributes accepted so far.
global n: count &default=1;
global s: set[string] &create_expire=1 sec &read_expire=2 secs;
global t: table[count] of string &default="a" &default_insert="b";
global u: table[count] of string &default_insert=1;
function f(a: int &optional)
	{
	}
