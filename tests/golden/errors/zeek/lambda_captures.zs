# @expect-fail
# @error-format: zeek
# Each lambda's capture list against the outer locals its body uses: the
# first problem of each, described with the lambda on one line.
event zeek_init()
	{
	local a = 3;
	local b = "hi there";

	local f1 = function[a]() { print "no a!"; };
	local f3 = function[a]() { print b; };
	local f4 = function[a, b]() { print b; };
	local f5 = function[b, b]() { print b; };
	local f6 = function() { print a; };
	local f9 = function[a]() { local a = 4; };
	local ok = function[a, b]() { print a, b; };
	local nested = function[a]() { local inner = function[a]() { print a; }; inner(); };
	}
