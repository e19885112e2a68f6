# @expect-fail
# @error-format: zeek
# Popping another value than the top is an error; an unknown value is a warning.
@pragma push my-own
@pragma pop ignore-deprecations
print "still loads";
