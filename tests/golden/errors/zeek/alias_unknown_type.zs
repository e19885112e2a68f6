# @expect-fail
# @error-format: zeek
# An alias of a type that does not exist: two errors, as Zeek gives.
type mac: stringA;

event zeek_init()
	{
	print "not reached";
	}
