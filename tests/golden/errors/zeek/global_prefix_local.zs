# @expect-fail
# @error-format: zeek
# '::' names a global: a local cannot be declared with it.
event zeek_init()
	{
	local ::a = 1;
	}
