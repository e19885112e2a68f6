# @expect-fail
# @error-format: zeek
# Extending an enum that does not exist is fatal: nothing after it is read.
redef enum Colour += {
	RED,
};

global x: count = "not reported";
