# @expect-fail
# @error-format: zeek
# A named record constructor must give every field that is neither
# &optional, &default nor an aggregate.
type info : record {
	str: string;
	cnt: count;
	a: addr;
	v: vector of bool;
	o: count &optional;
};

event zeek_init()
	{
	local resp = info($str="hello");
	}
