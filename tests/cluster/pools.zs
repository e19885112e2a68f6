# Pools and liveness; used by tests/test_cluster.py.
#
# Once all proxies of the layout are up, worker-1 sends a "round": 24 keys
# through Cluster::publish_hrw and 12 events through Cluster::publish_rr
# (one round-robin key) to Cluster::proxy_pool.  It sends another round
# after each node_up or node_down of a proxy.  The worker prints where it
# expects each to go; each proxy prints what it got.

module Test;

export {
	global hrw_key: event(round: count, key: string);
	global rr_msg: event(round: count, seq: count);
}

const n_keys = 24;
const n_rr = 12;

global started = F;
global round = 0;

event hrw_key(round: count, key: string)
	{
	print fmt("hrw round %d key %s at %s", round, key, Cluster::node);
	}

event rr_msg(round: count, seq: count)
	{
	print fmt("rr round %d seq %d at %s", round, seq, Cluster::node);
	}

function live_proxies(): string
	{
	local names: vector of string;
	for ( _, pn in Cluster::proxy_pool$node_list )
		if ( pn$alive )
			names += pn$name;
	return join_string_vec(names, ",");
	}

function send_round()
	{
	++round;
	print fmt("round %d live %s", round, live_proxies());

	local i = 0;
	while ( i < n_keys )
		{
		local key = fmt("key-%d", i);
		local topic = Cluster::hrw_topic(Cluster::proxy_pool, key);
		if ( ! Cluster::publish_hrw(Cluster::proxy_pool, key, hrw_key, round, key) )
			print fmt("hrw round %d key %s not sent", round, key);
		print fmt("expect hrw round %d key %s at %s", round, key, topic);
		++i;
		}

	i = 0;
	while ( i < n_rr )
		{
		if ( ! Cluster::publish_rr(Cluster::proxy_pool, "rr-key", rr_msg, round, i) )
			print fmt("rr round %d seq %d not sent", round, i);
		++i;
		}

	print fmt("round %d sent", round);
	}

function proxy_change()
	{
	if ( Cluster::node != "worker-1" )
		return;

	if ( ! started )
		{
		# The pool's view, not get_active_node_count(): that one counts a
		# node from its Cluster::hello on, before its node_up was handled
		# (and the pool updated).
		if ( Cluster::proxy_pool$alive_count < |Cluster::proxy_pool$node_list| )
			return;
		started = T;
		}

	send_round();
	}

event Cluster::node_up(name: string, id: string)
	{
	print fmt("node_up %s", name);
	if ( Cluster::nodes[name]$node_type == Cluster::PROXY )
		proxy_change();
	}

event Cluster::node_down(name: string, id: string)
	{
	print fmt("node_down %s", name);
	if ( Cluster::nodes[name]$node_type == Cluster::PROXY )
		proxy_change();
	}
