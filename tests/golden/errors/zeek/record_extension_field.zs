# @expect-fail
# @error-format: zeek
# A field added to a record later must be &optional or have a &default.
type Foo: record {
	a: count;
};

redef record Foo += {
	c: count;
	d: string &optional;
};
