# Sets compare with == and !=, and with < and <= for (proper) subsets.
event zeek_init()
	{
	print set(1, 2) == set(2, 1), set(1) != set(1, 2);
	print set(1) < set(1, 2), set(1, 2) < set(1, 2), set(1, 2) <= set(1, 2);
	print set(3) < set(1, 2), set("a") <= set("a", "b");
	}
