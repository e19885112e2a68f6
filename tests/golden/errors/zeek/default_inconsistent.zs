# @expect-fail
# @error-format: zeek
# A field's &default of the wrong type is one error for Zeek, however many
# elements are wrong.
type Foo: record {
	a: set[string] &default=set(1, 2, 3);
	b: count &default="x";
};
