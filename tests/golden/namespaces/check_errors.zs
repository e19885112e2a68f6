# @check
# @expect-fail
# zscript check reports static errors (and exits non-zero) without running anything.
module Counter;

export {
	global bump: function(): count;
}

global value = 0;

function bump(): count
	{
	return ++valu;
	}

event zeek_init()
	{
	print "not printed";
	}
