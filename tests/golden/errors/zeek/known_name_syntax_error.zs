# @expect-fail
# @error-format: zeek
# A known name followed by a token that cannot follow it is a syntax error.
global known = 1;

known 2;
