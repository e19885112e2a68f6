##! Logs straight to NATS JetStream, and a cluster without a logger.
##!
##! Every node writes its log records with ``Log::WRITER_NATS``: each record
##! is published to the subject ``zeek.logs.<path>`` of the JetStream stream
##! ``zeek_logs`` and acknowledged by the server (or counted as lost and
##! reported).  No record travels to a logger process, so the layout beside
##! this script has none (``cluster.toml``: a manager, a proxy, two workers).
##! Run it with a local nats-server:
##!
##!     nats-server -js -sd nats-store &
##!     zscript cluster start --foreground --layout examples/cluster/logs-to-nats/cluster.toml \
##!         examples/cluster/logs-to-nats/logs-to-nats.zs
##!     zscript logs nats sightings                  # the records as Zeek TSV
##!     zscript logs nats sightings --format json    # ... as Zeek JSON
##!
##! Each worker writes ``Sightings::n_records`` records once the manager is
##! up and tells the manager; when every worker is done the manager stops
##! the cluster.

@load policy/frameworks/logging/nats

# The switch: records go to JetStream from the node that writes them (every
# node logs "locally", with the NATS writer), and none is sent to a logger
# (whose place the manager would take otherwise).
redef Log::default_writer = Log::WRITER_NATS;
redef Log::enable_local_logging = T;
redef Log::enable_remote_logging = F;

module Sightings;

export {
	redef enum Log::ID += { LOG };

	type Info: record {
		ts: time &log;
		node: string &log;
		n: count &log;
	};

	## Records each worker writes.
	const n_records = 100 &redef;

	## From a worker to the manager: all its records are written.
	global done: event(node: string, n: count);
}

event zeek_init()
	{
	Log::create_stream(LOG, [$columns=Info, $path="sightings"]);
	}

@if ( Cluster::local_node_type() == Cluster::WORKER )
event Cluster::node_up(name: string, id: string)
	{
	if ( name != "manager" )
		return;
	local i = 0;
	while ( i < n_records )
		{
		Log::write(LOG, [$ts=network_time(), $node=Cluster::node, $n=i]);
		++i;
		}
	Log::flush(LOG);
	Cluster::publish(Cluster::manager_topic, done, Cluster::node, n_records);
	}
@endif

@if ( Cluster::local_node_type() == Cluster::MANAGER )
global finished: set[string];

event done(node: string, n: count)
	{
	print fmt("%s wrote %d records", node, n);
	add finished[node];
	local workers = 0;
	for ( name, node_info in Cluster::nodes )
		if ( node_info$node_type == Cluster::WORKER )
			++workers;
	if ( |finished| == workers )
		terminate();
	}
@endif
