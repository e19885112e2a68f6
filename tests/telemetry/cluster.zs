# Cluster traffic for tests/test_telemetry.py, whose scrapes check the counts.
#
# Every node prints "ready <node>" in zeek_init.  The worker raises
# Test::burst exactly 7 times locally; when it sees the manager come up it
# publishes Test::hello to the manager 3 times and then Test::beat every
# 0.1 s, so the cluster counters keep moving.  The manager prints
# "hello <n>" for each hello.  Every node defines a Test::LOG stream and
# writes one record per hello or burst it handles.
#
# No "@load base/frameworks/telemetry": every cluster node loads it with the
# cluster framework and serves metrics on its layout's metrics_port.

module Test;

export {
	redef enum Log::ID += { LOG };

	type Info: record {
		what: string &log;
		n: count &log;
	};

	global burst: event(i: count);
	global hello: event(i: count);
	global beat: event(i: count);
	global next_beat: event(i: count);
}

global hellos = 0;

event zeek_init()
	{
	Log::create_stream(LOG, [$columns=Info, $path="test"]);
	print fmt("ready %s", Cluster::node);

	if ( Cluster::local_node_type() == Cluster::WORKER )
		{
		local i = 0;
		while ( i < 7 )
			{
			event burst(i);
			++i;
			}
		}
	}

event burst(i: count)
	{
	Log::write(LOG, [$what="burst", $n=i]);
	if ( i == 6 )
		print "bursts done";
	}

event Cluster::node_up(name: string, id: string)
	{
	if ( Cluster::local_node_type() != Cluster::WORKER || name != "manager" )
		return;

	local i = 0;
	while ( i < 3 )
		{
		Cluster::publish(Cluster::manager_topic, hello, i);
		++i;
		}
	event next_beat(0);
	}

event next_beat(i: count)
	{
	Cluster::publish(Cluster::manager_topic, beat, i);
	schedule 0.1sec { next_beat(i + 1) };
	}

event hello(i: count)
	{
	++hellos;
	Log::write(LOG, [$what="hello", $n=i]);
	print fmt("hello %d", hellos);
	}

event beat(i: count)
	{
	}
