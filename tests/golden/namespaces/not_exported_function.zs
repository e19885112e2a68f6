# @expect-fail
# A function defined (not declared in export) in a module is private to that module.
module Util;

function helper(x: count): count
	{
	return x + 1;
	}

event zeek_init()
	{
	print helper(1);
	}

module Main;

event zeek_init()
	{
	print Util::helper(2);
	}
