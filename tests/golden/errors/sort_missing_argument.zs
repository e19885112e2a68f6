# @expect-fail
# sort and order take more arguments than they name, but the vector itself
# is required.
event zeek_init()
	{
	print sort();
	print order();
	}
