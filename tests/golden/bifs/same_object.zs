# same_object tells whether two values are the very same aggregate.
event zeek_init()
	{
	local a = vector(1);
	local b = a;
	local c = copy(a);
	local d = vector(1);
	print same_object(a, b), same_object(a, c), same_object(a, d);
	local t: table[count] of count;
	print same_object(t, t), same_object(t, copy(t));
	}
