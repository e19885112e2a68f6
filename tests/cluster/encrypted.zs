# A worker and the manager talk, and the worker logs to the logger; used by
# tests/test_cluster_curve.py with encrypted (CURVE) layouts.
#
# The worker pings the manager once it is up and the manager answers; once
# the logger is up too, the worker writes Test::n_rows rows to the "enc"
# stream, which the logger writes to enc.log.

module Test;

export {
	redef enum Log::ID += { LOG };

	type Info: record {
		node: string &log;
		n: count &log;
	};

	const n_rows = 20 &redef;

	global ping: event(sender: string);
	global pong: event(receiver: string);
}

global up: set[string];

event zeek_init()
	{
	Log::create_stream(LOG, Log::Stream($columns=Info, $path="enc"));
	}

event Cluster::node_up(name: string, id: string)
	{
	print fmt("node_up %s", name);
	add up[name];

	if ( Cluster::local_node_type() != Cluster::WORKER )
		return;

	if ( name == "manager" )
		Cluster::publish(Cluster::manager_topic, ping, Cluster::node);

	if ( "manager" in up && "logger" in up )
		{
		local i = 0;
		while ( i < n_rows )
			{
			Log::write(LOG, Info($node=Cluster::node, $n=i));
			++i;
			}
		Log::flush(LOG);
		print fmt("wrote %d rows", n_rows);
		}
	}

event ping(sender: string)
	{
	print fmt("ping from %s", sender);
	Cluster::publish(Cluster::node_topic(sender), pong, sender);
	}

event pong(receiver: string)
	{
	print fmt("pong for %s", receiver);
	}
