# split_string splits at each match of a pattern.
event zeek_init()
	{
	print split_string("a,b,,c", /,/);
	print split_string("one  two three", / +/);
	print split_string("nosep", /,/);
	local parts = split_string("k=v", /=/);
	print parts[0], parts[1], |parts|;
	}
