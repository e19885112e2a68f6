# An empty table() or set() given for a typed table or set parameter takes
# the parameter's type, as in Zeek (check_and_promote of an unspecified table).

type Counts: table[string] of count;
type Ids: set[count];
global ev: event(msg: string, t: Counts, s: Ids);
global later: event();

event zeek_init()
	{
	local e = Cluster::make_event(ev, "hello", table(), set());
	print |e$args|, type_name(e$args[1]), type_name(e$args[2]), |e$args[1] as Counts|;
	print Cluster::publish("t", ev, "hello", table(), set());
	schedule 1sec { later() };
	}

event later()
	{
	# A set is no table, and a table is no set.
	print Cluster::publish("t", ev, "hello", set(), table());
	}
