# @expect-fail
# @error-format: zeek
# A bare @pragma is fatal; nothing after it is read.
@pragma
global x: count = nope;
