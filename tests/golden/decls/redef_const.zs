# redef changes a &redef constant's initial value; the last redef wins.
const port_count = 1 &redef;
const label: string = "old" &redef;

redef port_count = 2;
redef port_count = 3;
redef label = "new";

event zeek_init()
	{
	print port_count, label;
	}
