# @expect-fail
# @error-format: zeek
# A pushed pragma must be popped in the same file: fatal at the file's end.
@pragma push ignore-deprecations
print "read";
