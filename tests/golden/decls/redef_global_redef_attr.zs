# A global variable with &redef can be redefined; the new value is used at run time.
global threshold = 5 &redef;
global mode: string = "fast" &redef;

redef threshold = 50;
redef mode = "slow";

event zeek_init()
	{
	threshold += 1;
	print threshold, mode;
	}
