# @expect-fail
# @error-format: zeek
# A statement that starts with an unknown name followed by a token that
# cannot follow it: Zeek has looked the name up first, so the unknown name
# is the error, not the syntax.
global known = 1;

event zeek_init()
	{
	print known;
	}

prnt"hello";
