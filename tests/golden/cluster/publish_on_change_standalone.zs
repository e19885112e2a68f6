# Outside a cluster a &publish_on_change table is an ordinary table (its
# changes go nowhere) whose &on_change runs as usual.

global t: table[string] of count &default=0 &publish_on_change=[$changes=set(TABLE_ELEMENT_NEW, TABLE_ELEMENT_CHANGED)]
	&on_change=function(tbl: table[string] of count, tpe: TableChange, k: string, v: count) { print "on_change", tpe, k, v; };

event zeek_init()
	{
	t["a"] = 1;
	t["a"] += 1;
	delete t["a"];
	print t;
	}
