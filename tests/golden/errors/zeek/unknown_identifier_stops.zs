# @expect-fail
# @error-format: zeek
# An unknown identifier is a parse error in Zeek: nothing after it is reported.
global x: count = nope;
global y: count = "wrong type";
