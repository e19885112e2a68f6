# @expect-fail
# @error-format: zeek
# An enumerator's value is a count constant below 2^63.
type my_enum: enum {
	ok_value = 3,
	explicitly_negative = -1,
	overflow = 9223372036854775808,
	fraction = 1.5,
};
