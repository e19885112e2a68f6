# @expect-fail
# @error-format: zeek
# A run-time error in a top-level statement is fatal: nothing after it runs,
# not even zeek_init.
event zeek_init()
	{
	print "not reached (zeek_init)";
	}

print "first";
assert 1 == 2, "always false";
print "not reached";
