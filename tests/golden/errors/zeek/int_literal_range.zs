# @expect-fail
# @error-format: zeek
# The smallest int is -9223372036854775808; one less is no int literal.
global i_min = -9223372036854775808;
global i_min_m1 = -9223372036854775809;
