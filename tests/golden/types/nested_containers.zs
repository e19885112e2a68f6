# Containers of containers: table of sets, vector of vectors, table of vectors.
event zeek_init()
	{
	local groups: table[string] of set[count];
	groups["odd"] = set(1);
	add groups["odd"][3];
	print groups;
	local m = vector(vector(1, 2), vector(3));
	m[1] += 4;
	print m, m[1][1];
	local tv: table[count] of vector of string = { [1] = vector("x") };
	tv[1] += "y";
	print tv;
	}
