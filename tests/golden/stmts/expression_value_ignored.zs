# A pure expression used as a statement is evaluated but draws an "expression value ignored" warning.
event zeek_init()
	{
	local x = 1;
	x + 1;
	print x;
	}
