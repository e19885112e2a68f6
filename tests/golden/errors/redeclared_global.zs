# @expect-fail
# Declaring a global twice is an error (redef is the way to change it).
global x = 1;
global x = 2;

event zeek_init()
	{
	print x;
	}
