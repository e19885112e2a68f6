# @expect-fail
# delete only applies to table/set elements and record fields; deleting a vector element is an error.
event zeek_init()
	{
	local w = vector(10, 20, 30);
	delete w[1];
	print w;
	}
