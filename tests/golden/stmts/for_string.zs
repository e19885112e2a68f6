# for over a string iterates its characters.
event zeek_init()
	{
	local out = "";
	for ( ch in "abc" )
		{
		print ch;
		out = ch + out;
		}
	print out;
	}
