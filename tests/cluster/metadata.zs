# Network timestamps across the cluster; used by tests/test_event_metadata.py.
#
# worker-1 publishes App::ping from its Cluster::node_up handler, with that
# event's timestamp as an argument: Zeek stamps a published event with the
# timestamp of the event being handled.  The manager checks the ping's
# metadata against it and answers with App::pong, which carries the ping's
# timestamp in turn.

redef EventMetadata::add_network_timestamp = T;

module App;

export {
	global ping: event(sent: time);
	global pong: event(sent: time);
}

function stamp(): time
	{
	local ts = EventMetadata::current(EventMetadata::NETWORK_TIMESTAMP);
	return |ts| == 1 ? ts[0] as time : double_to_time(-1.0);
	}

event Cluster::node_up(name: string, id: string)
	{
	if ( Cluster::node == "manager" )
		print fmt("node_up stamped: %s", time_to_double(current_event_time()) > 0.0 && stamp() == current_event_time());

	if ( Cluster::node == "worker-1" && name == "manager" )
		Cluster::publish(Cluster::manager_topic, ping, current_event_time());
	}

event ping(sent: time)
	{
	print fmt("ping stamped with the sender's time: %s", stamp() == sent);
	Cluster::publish(Cluster::node_topic("worker-1"), pong, sent);
	}

event pong(sent: time)
	{
	print fmt("pong stamped with the ping's time: %s", stamp() == sent);
	}
