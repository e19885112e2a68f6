# &default also applies to tables with composite keys, and a default function receives every key part.
global pairs: table[string, count] of string &default=function(s: string, n: count): string { return fmt("%s#%d", s, n); };
global hits: table[string, string] of count &default=0;

event zeek_init()
	{
	pairs["a", 1] = "set";
	print pairs["a", 1], pairs["b", 2];
	hits["x", "y"] += 2;
	print hits["x", "y"], hits["y", "x"], |hits|;
	}
