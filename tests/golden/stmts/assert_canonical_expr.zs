# Failing asserts print the condition in Zeek's canonical form (constants first for ==, > turned into <).
event e1()
	{
	local x = 2;
	assert x == 1;
	}

event e2()
	{
	local n = 2;
	assert n > 3, "too small";
	}

event e3()
	{
	local n = 2;
	assert n + 1 == 5;
	}

event zeek_init()
	{
	event e1();
	event e2();
	event e3();
	}
