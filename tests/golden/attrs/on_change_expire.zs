# Expiring an element calls &on_change with TABLE_ELEMENT_EXPIRED.
redef table_expire_interval = 1 sec;
redef exit_only_after_terminate = T;

function note(t: table[count] of string, tpe: TableChange, k: count, v: string)
	{
	print tpe, k, v;
	}

global t: table[count] of string &create_expire=2 secs &on_change=note;

event stop()
	{
	terminate();
	}

event zeek_init()
	{
	t[1] = "one";
	schedule 5 secs { stop() };
	}
