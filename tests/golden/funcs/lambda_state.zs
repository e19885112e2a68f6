# A captured scalar is the lambda's own state; it persists across calls of that lambda.
function make_counter(start: count): function(): count
	{
	local c = start;
	return function [c](): count
		{
		++c;
		return c;
		};
	}

event zeek_init()
	{
	local a = make_counter(0);
	local b = make_counter(100);
	print a(), a(), a();
	print b(), a();
	}
