# Vectors: append with +=, indexing, holes, size, slicing and element-wise ops.
event zeek_init()
	{
	local v: vector of count;
	v += 10;
	v += 20;
	v[3] = 40;
	print v, |v|;
	print v[0], v[1:3];
	local w = vector(1, 2, 3);
	print w + vector(10, 20, 30);
	print w * vector(2, 2, 2);
	local strs = vector("a", "b");
	strs[|strs|] = "c";
	print strs;
	local empty: vector of string;
	print empty, |empty|;
	}
