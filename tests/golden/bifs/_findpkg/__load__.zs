# A package for find_in_zeekpath.zs.
event zeek_init()
	{
	print "package loaded";
	}
