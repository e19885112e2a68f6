# &on_change on a set receives the element; adding an existing element is not a change.
function set_changed(s: set[string], tpe: TableChange, k: string)
	{
	print tpe, k;
	}

global seen: set[string] &on_change=set_changed;

event zeek_init()
	{
	add seen["x"];
	add seen["x"];
	add seen["y"];
	delete seen["x"];
	}
