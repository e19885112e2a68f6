# Lambdas capture locals explicitly; aggregates are captured by reference, scalars by value.
event zeek_init()
	{
	local n = 10;
	local v = vector(1);
	local f = function [n, v](x: count): count
		{
		v += x;
		return n + x;
		};
	n = 20;
	print f(1), f(2);
	print n, v;
	}
