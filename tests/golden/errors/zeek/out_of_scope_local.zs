# @expect-fail
# @error-format: zeek
# A local declared in a block cannot be used after the block.
event zeek_init()
	{
	if ( F )
		{
		local var_b: string = "bar";
		}
	else
		{
		local var_c = 1;
		print var_c;
		}

	print "var_b is", var_b;
	print "again", var_b;
	}
