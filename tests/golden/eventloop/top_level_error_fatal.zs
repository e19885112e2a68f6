# @expect-fail
# A run-time error in a top-level statement is fatal, as in Zeek: the later
# statements and zeek_init never run.  Using the missing value of a function
# that returned none ends only its statement.
global t: table[string] of count;

function nothing(): count
	{
	}

event zeek_init()
	{
	print "not reached: zeek_init";
	}

print "first statement";
print nothing();
print "after the missing value";
print t["missing"];
print "not reached";
