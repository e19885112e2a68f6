# A node that publishes far more than its send queue holds; used by
# tests/test_cluster.py.
#
# With a send high-water mark of 5 messages and a small kernel buffer,
# worker-1 publishes Test::blob (4 KiB each) 20000 times in one handler as
# soon as somebody subscribes to zscript.test.flood. (the test's raw
# subscriber, which never reads).  It prints how many publishes were
# accepted and dropped, then shows it is still alive a second later.

module Test;

redef Cluster::Backend::ZeroMQ::xpub_sndhwm = 5;
redef Cluster::Backend::ZeroMQ::xpub_sndbuf = 4096;

export {
	global blob: event(n: count, data: string);
}

const n_blobs = 20000;

global flooded = F;

event still_alive()
	{
	print "still alive";
	}

function flood()
	{
	local data = "";
	local i = 0;
	while ( i < 64 )
		{
		data += "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
		++i;
		}

	local accepted = 0;
	local dropped = 0;
	i = 0;
	while ( i < n_blobs )
		{
		if ( Cluster::publish("zscript.test.flood.x", blob, i, data) )
			++accepted;
		else
			++dropped;
		++i;
		}

	print fmt("flood done: accepted %d dropped %d", accepted, dropped);
	schedule 1 sec { still_alive() };
	}

event Cluster::Backend::ZeroMQ::subscription(topic: string)
	{
	if ( Cluster::node == "worker-1" && topic == "zscript.test.flood." && ! flooded )
		{
		flooded = T;
		flood();
		}
	}
