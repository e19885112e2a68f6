# @expect-fail
# @error-format: zeek
# A function body given twice is fatal at the second body.
function f(a: string)
	{ print a; }

function f(a: string)
	{ print "again"; }

global y: count = nope;
