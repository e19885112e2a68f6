# Fan-in: every worker publishes a burst to the manager as fast as it can;
# used by tests/test_cluster.py.
#
# With zscript's default overload settings (flow control, no drops), every
# event arrives: the manager prints how many it got from each worker, and
# whether each worker's events came in order.  A worker prints how many of
# its publishes were accepted.  With ``both_ways``, the manager also sends a
# burst to each worker as it comes up, while that worker sends its own: two
# nodes both waiting for room must not block each other.

module Test;

export {
	global burst: event(sender: string, i: count);
	global sent: event(sender: string, n: count);
	## Events each worker publishes.
	const n_events = 20000 &redef;
	## Whether the manager sends bursts to the workers too.
	const both_ways = F &redef;
}

function send_burst(topic: string): count
	{
	local accepted = 0;
	local i = 0;
	while ( i < n_events )
		{
		if ( Cluster::publish(topic, burst, Cluster::node, i) )
			++accepted;
		++i;
		}
	Cluster::publish(topic, sent, Cluster::node, accepted);
	return accepted;
	}

global got: table[string] of count &default=0;
global misordered: table[string] of count &default=0;

event Cluster::node_up(name: string, id: string)
	{
	local accepted: count;
	if ( Cluster::local_node_type() == Cluster::WORKER && name == "manager" )
		{
		accepted = send_burst(Cluster::manager_topic);
		print fmt("%s accepted %d of %d", Cluster::node, accepted, n_events);
		}
	if ( Cluster::local_node_type() == Cluster::MANAGER && both_ways )
		{
		accepted = send_burst(Cluster::node_topic(name));
		print fmt("%s accepted %d of %d for %s", Cluster::node, accepted, n_events, name);
		}
	}

event burst(sender: string, i: count)
	{
	if ( i != got[sender] )
		++misordered[sender];
	++got[sender];
	}

event sent(sender: string, n: count)
	{
	print fmt("from %s: got %d of %d sent, misordered %d", sender, got[sender], n, misordered[sender]);
	}
