# @expect-fail
# Assigning a value of the wrong type is a type clash.
global n: count = 0;

event zeek_init()
	{
	n = "five";
	local s: string = 5;
	}
