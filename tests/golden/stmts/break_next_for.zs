# break and next inside nested for loops affect only the innermost loop.
event zeek_init()
	{
	local outer = vector(1, 2, 3);
	local inner = vector(10, 20, 30);
	for ( i in outer )
		{
		if ( outer[i] == 2 )
			next;
		for ( j in inner )
			{
			if ( inner[j] == 30 )
				break;
			print outer[i], inner[j];
			}
		}
	}
