# @expect-fail
# @error-format: zeek
# Indexing a set and calling a function without result give no value.
function nothing()
	{
	}

global s = set(1, 2);

event zeek_init()
	{
	local x = nothing();
	print |s[1]|;
	print nothing();
	}
