# A failing assert shows string constants of its condition in quotes.
event zeek_init()
	{
	local n = 2;
	assert fmt("%s", n) == "3";
	}
