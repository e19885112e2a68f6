# Durability of a worker's writes to an &backend=Broker::SQLITE table while
# the manager is killed (kill -9) and restarted; used by
# tests/test_storage_crash.py.
#
# The file lives in $STORE_DIR.  Worker-1 writes the keys 0 .. $TOTAL-1 (one
# every 2 ms, printing "wrote N" for each), then "done writing".  The manager
# prints "manager has N" whenever its table grows, so that the test can see
# the restarted master catch up; every node prints "final N MISSING..." in
# zeek_done.

@load base/frameworks/broker

redef Broker::table_store_db_directory = getenv("STORE_DIR");
redef exit_only_after_terminate = T;

global t: table[count] of count &backend=Broker::SQLITE;
global total = to_count(getenv("TOTAL"));
global writing = F;
global shown = 0;

event write(i: count)
	{
	if ( i >= total )
		{
		print "done writing";
		return;
		}

	t[i] = i * 10;
	print fmt("wrote %d", i);
	schedule 2msec { write(i + 1) };
	}

event show()
	{
	if ( |t| != shown )
		{
		shown = |t|;
		print fmt("manager has %d", shown);
		}

	schedule 100msec { show() };
	}

event Cluster::node_up(name: string, id: string)
	{
	if ( Cluster::node == "worker-1" && name == "manager" && ! writing )
		{
		writing = T;
		event write(0);
		}
	}

event zeek_init()
	{
	if ( Cluster::local_node_type() == Cluster::MANAGER )
		event show();
	}

event zeek_done()
	{
	local missing: vector of count;
	local i = 0;
	while ( i < total )
		{
		if ( i !in t || t[i] != i * 10 )
			missing += i;
		++i;
		}

	print fmt("final %d %s", |t|, missing);
	}
