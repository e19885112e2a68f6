# @expect-fail
# @error-format: zeek
# Case blocks end in break/fallthrough/return; no fallthrough out of "case type T as x".
function f(v: any): string
	{
	switch ( v ) {
	case type count as c:
		fallthrough;
	case type string:
		return "string";
	case type count:
		return "count again";
	}
	return "other";
	}

event zeek_init()
	{
	switch ( 1 ) {
	case 1:
		print "one";
	}
	}
