##! What the cluster counts about its events (Zeek's
##! ``base/frameworks/cluster/telemetry``).
##!
##! With ``INFO`` (the default) every node counts the events it sends and
##! receives (``zeek_cluster_core_outgoing_events_total``,
##! ``..._incoming_events_total``); ``VERBOSE`` also counts them by handler
##! and topic (``zeek_cluster_core_verbose_*_events_total{handler,topic}``),
##! with topics that contain a node's process id normalized by
##! ``topic_normalizations``; ``DEBUG`` measures their serialized sizes in
##! histograms (``zeek_cluster_core_debug_*_event_sizes``, bounds
##! ``message_size_bounds``), outgoing ones by the publishing script's
##! location.  ``websocket_metrics`` does the same for the events of
##! WebSocket clients, labeled by their ``app`` (X-Application-Name).

module Cluster::Telemetry;

export {
	## What to count.
	type Type: enum {
		## Events sent and received, without labels.
		INFO,
		## Also by handler and (normalized) topic.
		VERBOSE,
		## Histograms of the events' serialized sizes.
		DEBUG,
	};

	## What to count for the node's own events.
	const core_metrics: set[Type] = { INFO } &redef;

	## What to count for the events of WebSocket clients.
	const websocket_metrics: set[Type] = { INFO } &redef;

	## Topics matching a pattern are counted under the pattern's string
	## instead (the first match, in order); an empty string leaves the
	## event out of the VERBOSE counters.
	const topic_normalizations: table[pattern] of string = {
		[/^zeek\/cluster\/nodeid\/.*/] = "zeek/cluster/nodeid/__normalized__",
	} &ordered &redef;

	## Bucket bounds of the DEBUG size histograms.
	const message_size_bounds: vector of double = {
		10.0, 50.0, 100.0, 500.0, 1000.0, 5000.0, 10000.0, 50000.0,
	} &redef;
}
