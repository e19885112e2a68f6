# sort() of non-numeric elements without a comparison function is a builtin error; the vector is left as is.
event zeek_init()
	{
	local v = vector("b", "a");
	print sort(v);
	print "handler continues", v;
	}
