# @expect-fail
# An unknown identifier gets a did-you-mean hint for a close existing name.
global counter2 = 0;

event zeek_init()
	{
	local x = counter + 1;
	print x;
	}
