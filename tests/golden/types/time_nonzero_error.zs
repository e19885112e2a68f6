# @expect-fail
# Only a constant zero is allowed where a time is expected, not another number.
global start: time = 1;
