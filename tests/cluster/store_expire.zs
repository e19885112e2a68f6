# &create_expire on an &backend table; used by tests/test_storage_cluster.py.
#
# Once worker-1 sees the manager and worker-2 up, it writes one entry; the
# master expires it a second later, on every node.

@load base/frameworks/broker

redef table_expire_interval = 100msec;

function changed(tbl: table[string] of count, tpe: TableChange, k: string, v: count)
	{
	print fmt("%s %s %d", tpe, k, v);

	if ( tpe == TABLE_ELEMENT_EXPIRED )
		print fmt("size %d", |tbl|);
	}

global t: table[string] of count &backend=Broker::MEMORY &create_expire=1sec &on_change=changed;

global up: set[string];

event write()
	{
	t["x"] = 1;
	}

event Cluster::node_up(name: string, id: string)
	{
	if ( Cluster::node != "worker-1" )
		return;

	add up[name];

	if ( |up| == 2 )
		schedule 300msec { write() };
	}
