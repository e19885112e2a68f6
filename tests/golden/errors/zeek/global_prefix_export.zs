# @expect-fail
# @error-format: zeek
# An exported name cannot have the '::' prefix (the first one stops parsing).
module MyModule;

export {
	global ::c = 1;
	global ::h: hook();
}
