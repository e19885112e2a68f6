# @error-format: zeek
# Each use of something &deprecated warns, with its advice; the pragma silences it.
type Old: string &deprecated="use New";
type R: record {
	a: count &default=1;
	b: string &optional &deprecated;
};
global legacy = 1 &deprecated="use modern";

event zeek_init()
	{
	local o: Old = "x";
	local r = R($b="set");
	print legacy, o, r?$b, r$b;
@pragma push ignore-deprecations
	print legacy;
@pragma pop ignore-deprecations
	}
