# &publish_on_change between real processes; used by tests/test_cluster_poc.py.
#
# The manager fills Test::counts at start (workers that are up by then get
# the change) and hands the whole table to each worker that comes up
# (Cluster::publish_table).  Each worker, once it has the table and sees
# both other nodes up, adds itself to Test::seen and counts["<worker>"]
# (1, then 2).  When the manager has both workers' changes it removes
# worker-1 from Test::seen; the workers print the set once that removal
# reached them.  Every node prints the batches it applies (the policy hook)
# and the manager its &on_change calls.

module Test;

export {
	global seen: set[string] &publish_on_change=[
		$changes=set(TABLE_ELEMENT_NEW, TABLE_ELEMENT_REMOVED),
	];

	global counts: table[string] of count &default=0 &publish_on_change=[
		$changes=set(TABLE_ELEMENT_NEW, TABLE_ELEMENT_CHANGED),
		$max_batch_size=0,
	] &on_change=function(t: table[string] of count, tpe: TableChange, k: string, v: count) {
		if ( Cluster::local_node_type() == Cluster::MANAGER )
			print fmt("on_change %s %s %d", tpe, k, v);
	};
}

global peers_up: set[string];

event Cluster::node_up(name: string, id: string) &priority=10
	{
	add peers_up[name];
	}

hook Cluster::apply_table_change_infos_policy(tcheader: Cluster::TableChangeHeader, tcinfos: Cluster::TableChangeInfos)
	{
	print fmt("apply %s %d", tcheader$id, |tcinfos|);
	}

event zeek_init()
	{
	if ( Cluster::local_node_type() == Cluster::MANAGER )
		counts["from-manager"] = 7;

	if ( Cluster::local_node_type() != Cluster::WORKER )
		return;

	# Changes are published to the nodes known to be up (their subscriptions
	# reached this node before their hello): wait for both others.
	when ( "from-manager" in counts && |peers_up| == 2 )
		{
		print fmt("got the table: %d", counts["from-manager"]);
		add seen[Cluster::node];
		counts[Cluster::node] = 1;
		counts[Cluster::node] = 2;

		when ( "worker-1" in seen )
			{
			when ( "worker-1" !in seen )
				{
				print fmt("worker-1 removed, seen: %s", join_string_set(seen, ","));
				}
			timeout 20sec
				{
				print "timeout waiting for the removal";
				}
			}
		timeout 20sec
			{
			print "timeout waiting for worker-1";
			}
		}
	timeout 20sec
		{
		print "timeout waiting for the table";
		}
	}

event Cluster::node_up(name: string, id: string)
	{
	if ( Cluster::local_node_type() != Cluster::MANAGER )
		return;

	print fmt("publish_table to %s: %s", name, Cluster::publish_table(Cluster::nodeid_topic(id), counts));
	}

event zeek_init()
	{
	if ( Cluster::local_node_type() != Cluster::MANAGER )
		return;

	when ( |seen| == 2 && counts["worker-1"] == 2 && counts["worker-2"] == 2 )
		{
		print fmt("manager has both: seen=%s", join_string_set(seen, ","));
		delete seen["worker-1"];
		}
	timeout 30sec
		{
		print "timeout waiting for the workers";
		}
	}
