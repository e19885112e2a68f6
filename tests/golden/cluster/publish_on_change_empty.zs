# @expect-fail
# The value of &publish_on_change is checked once the scripts are loaded (so
# redefs of its defaults count); a bad one ends the process before zeek_init.

global t: table[string] of count &publish_on_change=[$changes=set()];

event zeek_init()
	{
	print "not reached";
	}
