# @expect-fail
# A global whose initialization fails at run time: the error is located at
# the expression that failed (here a global without a value, named), then
# Zeek says the variable's initialization failed.
global unset_count: count;

type R: record {
	f: count &default=unset_count;
};

global r = R();
global p: port;
const ports = [$p=p];
