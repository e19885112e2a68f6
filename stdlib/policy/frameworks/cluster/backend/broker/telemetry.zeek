##! Metrics of the Broker backend's peerings, labelled with the cluster's
##! node names: for each peer that is a node of the layout, the messages
##! waiting in the send buffer (``zeek_broker_peer_buffer_messages``), the
##! most that waited lately (``..._recent_max_messages``) and the messages
##! the buffer had no room for (``zeek_broker_peer_buffer_overflows_total``,
##! summed over the successive peerings with that node), as Zeek's
##! policy/frameworks/cluster/backend/broker/telemetry.zeek names them.

@load base/frameworks/telemetry

module Cluster;

global broker_buffer_messages = Telemetry::register_gauge_family(Telemetry::MetricOpts(
	$prefix="zeek", $name="broker-peer-buffer-messages", $unit="",
	$label_names=vector("peer"),
	$help_text="Messages waiting in the send buffer of a Broker peering"));

global broker_buffer_recent_max = Telemetry::register_gauge_family(Telemetry::MetricOpts(
	$prefix="zeek", $name="broker-peer-buffer-recent-max-messages", $unit="",
	$label_names=vector("peer"),
	$help_text="Most messages waiting lately in the send buffer of a Broker peering"));

global broker_buffer_overflows = Telemetry::register_counter_family(Telemetry::MetricOpts(
	$prefix="zeek", $name="broker-peer-buffer-overflows", $unit="",
	$label_names=vector("peer"),
	$help_text="Messages a Broker peering's send buffer had no room for"));

# Node name -> [endpoint id of its current peering, overflows of that
# peering, overflows of the earlier ones].
type PeeringOverflows: record {
	peer_id: string;
	current: count &default=0;
	earlier: count &default=0;
};

global overflows_by_node: table[string] of PeeringOverflows;

hook Telemetry::sync()
	{
	for ( peer_id, stats in Broker::peering_stats() )
		{
		local nn = nodeid_to_node(peer_id);
		if ( nn$name == "" )
			next;  # not a node of the cluster

		local labels = vector(nn$name);
		Telemetry::gauge_family_set(broker_buffer_messages, labels, stats$num_queued);
		Telemetry::gauge_family_set(broker_buffer_recent_max, labels, stats$max_queued_recently);

		if ( nn$name !in overflows_by_node )
			overflows_by_node[nn$name] = PeeringOverflows($peer_id=peer_id);

		local o = overflows_by_node[nn$name];
		if ( o$peer_id != peer_id )
			{
			# The node peered again: keep what the earlier peering lost.
			o$peer_id = peer_id;
			o$earlier += o$current;
			}

		o$current = stats$num_overflows;
		Telemetry::counter_family_set(broker_buffer_overflows, labels, o$earlier + o$current);
		}
	}
