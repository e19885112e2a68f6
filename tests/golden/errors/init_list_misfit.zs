# @expect-fail
# @error-format: zeek
# Constructor lists where they cannot go, and initializers that are not
# tables, in Zeek's words.
global n: double = { 1, 2 };
global q [7, 8];
global counts = { [1] = 10, [2, 3] = 20 };
global names = table( ["a"] = 1, 2 );
global empty = { };
global extra: set[count] &redef;
redef extra [1];
global words: vector of string;
global addrs: set[addr];
global ints: set[int];
global pairs: set[addr, port];
global marks: set[double];
global seen: table[string] of count;

event zeek_init()
	{
	n += { 3 };
	n -= { 3, 4 };
	words -= { "a" };
	addrs += ints;
	marks += { [1.5] = T };
	pairs = { addrs };
	seen += { "x", 1 };
	}
