# redef enum adds enumerators to an existing enum type.
type Color: enum { RED, GREEN };

redef enum Color += { BLUE };
redef enum Color += { YELLOW, PURPLE };

event zeek_init()
	{
	local c = BLUE;
	print c, PURPLE, type_name(c);
	print c == BLUE, c != RED;
	}
