# @expect-fail
# A set standing for its members in a constructor is expanded before locals
# have values (Zeek expands while parsing), so it must not use one.
event zeek_init()
	{
	local nets = set(10.0.0.0/8);
	local s: set[string, subnet] = { ["x", nets] };
	print s;
	}
