# fmt's %s renders values like print does (records, containers, intervals, enums).
type Color: enum { RED, BLUE };
type R: record {
	a: count;
	b: string &optional;
};

event zeek_init()
	{
	print fmt("%s", R($a=1));
	print fmt("%s", vector(1, 2));
	print fmt("%s | %s", 90 secs, BLUE);
	print fmt("%s", set());
	print fmt("no args");
	}
