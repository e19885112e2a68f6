##! Controlling a running node from outside (Zeek's
##! ``base/frameworks/control``): the requests a controller sends and the
##! responses a controllee answers with.  This is only the vocabulary both
##! sides share; zscript has no controllee behind it yet, so loading it
##! changes nothing else.

module Control;

export {
	## The topics the control events travel on start with this.
	const topic_prefix = "zeek/control";

	## Whether a controllee listens for its controller.
	const controllee_listen = T &redef;

	## Where the controllee is (for the controller).
	const host = 0.0.0.0 &redef;
	const host_port = 0/tcp &redef;
	## The IPv6 zone of ``host``, if any.
	const zone_id = "" &redef;

	## The command the controller runs, and its argument.
	const cmd = "" &redef;
	const arg = "" &redef;

	## The commands there are.
	const commands: set[string] = {
		"id_value", "peer_status", "net_stats", "configuration_update", "shutdown",
	} &redef;

	## Identifiers whose value changes are not passed on.
	const ignore_ids: set[string] = {};

	## Asks for the value of a global, answered with its value as text.
	global id_value_request: event(id: string);
	global id_value_response: event(id: string, val: string);

	## Asks for a description of the node's peers.
	global peer_status_request: event();
	global peer_status_response: event(s: string);

	## Asks for the node's network statistics.
	global net_stats_request: event();
	global net_stats_response: event(s: string);

	## Tells the node that its configuration changed.
	global configuration_update_request: event();
	global configuration_update: event();
	global configuration_update_response: event();

	## Asks the node to stop.
	global shutdown_request: event();
	global shutdown_response: event();
}
