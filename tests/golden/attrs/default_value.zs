# &default on a table returns the default for missing keys without inserting them.
global counts: table[string] of count &default=0;
global labels: table[count] of string &default="unknown";

event zeek_init()
	{
	print counts["x"], |counts|;
	counts["x"] += 3;
	++counts["y"];
	print counts["x"], counts["y"], |counts|;
	print labels[5], 5 in labels;
	}
