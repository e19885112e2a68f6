# @expect-fail
# Constants and options cannot be assigned at run time.
const limit = 5;
option level = 1;

event zeek_init()
	{
	limit = 6;
	level = 2;
	}
