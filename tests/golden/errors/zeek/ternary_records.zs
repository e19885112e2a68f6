# @expect-fail
# @error-format: zeek
# The alternatives of ?: must have the same type: a record constructor is
# not coerced to the other alternative's record type (two anonymous
# constructors of the same fields are fine, and coerce on assignment).
type R: record {
	a: string;
	b: count;
	c: bool &default=T;
};

event zeek_init()
	{
	local ok: R = T ? [$a="x", $b=1] : [$a="y", $b=2];
	print ok;
	local bad: R = T ? R($a="x", $b=1) : [$a="y", $b=2];
	}
