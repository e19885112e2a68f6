# @expect-fail
# global_ids() while the scripts are still loading is an error, and an error
# while loading ends the run before zeek_init.
global gi = global_ids();

event zeek_init()
	{
	print "not reached";
	}
