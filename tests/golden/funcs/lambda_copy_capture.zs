# A `copy` capture takes a deep copy when the lambda is created.
event zeek_init()
	{
	local t: table[string] of count = { ["a"] = 1 };
	local shallow = function [t](): count { return |t|; };
	local deep = function [copy t](): count { return |t|; };
	t["b"] = 2;
	t["c"] = 3;
	print shallow(), deep();
	}
