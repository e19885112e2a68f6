# str_split_indices cuts at 0 and at each index, in order, each index once;
# out-of-range indices count as 0.
event zeek_init()
	{
	local s = "broisaveryneatids";
	print str_split_indices(s, vector(0, 3, 5, 6, 10, 14));
	print str_split_indices(s, vector(14, 3, 3));
	print str_split_indices(s, vector(99));
	print |str_split_indices(s, vector())|;
	}
