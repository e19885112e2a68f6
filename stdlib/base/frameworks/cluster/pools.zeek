##! Pools: groups of nodes that share work.
##!
##! ``Cluster::hrw_topic(pool, key)`` sends every key to one live member by
##! rendezvous hashing (keys move only when their member goes down, and move
##! back when it returns); ``Cluster::rr_topic(pool, key)`` cycles through the
##! live members, one cursor per key.  Both return "" when no member is up.
##! Members are filled in at ``zeek_init`` (priority -5) from the layout; a
##! node is alive in its own pools from the start and other members become
##! alive with ``Cluster::node_up``.

@load ./main
@load base/utils/hash_hrw

module Cluster;

export {
	## A member of a pool.
	type PoolNode: record {
		## The node's name.
		name: string;
		## The name its hash id was computed from (``name.N``).
		alias: string;
		## Its id in the HRW pool.
		site_id: count;
		## Whether it is up.
		alive: bool &default=F;
		## Where to publish to reach it.
		topic: string;
	};

	## What a pool is made of.
	type PoolSpec: record {
		## The topic the members subscribe to.
		topic: string;
		## The node type of the members.
		node_type: Cluster::NodeType;
		## At most this many members (all nodes of the type if unset).
		max_nodes: count &optional;
		## Members of an exclusive pool are in no other pool of the type.
		exclusive: bool &default=F;
	};

	## Members by name.
	type PoolNodeTable: table[string] of PoolNode;
	## Round-robin cursors by key.
	type RoundRobinTable: table[string] of int;

	## A pool of nodes.
	type Pool: record {
		spec: PoolSpec;
		nodes: PoolNodeTable &default=PoolNodeTable();
		## The members sorted by name.
		node_list: vector of PoolNode &default=vector();
		hrw_pool: HashHRW::Pool &default=HashHRW::Pool();
		rr_key_seq: RoundRobinTable &default=RoundRobinTable();
		## How many members are up.
		alive_count: count &default=0;
	};

	## The spec of ``proxy_pool``.
	global proxy_pool_spec: PoolSpec = PoolSpec($topic="zeek/cluster/pool/proxy", $node_type=Cluster::PROXY) &redef;
	## The spec of ``worker_pool``.
	global worker_pool_spec: PoolSpec = PoolSpec($topic="zeek/cluster/pool/worker", $node_type=Cluster::WORKER) &redef;
	## The spec of ``logger_pool``.
	global logger_pool_spec: PoolSpec = PoolSpec($topic="zeek/cluster/pool/logger", $node_type=Cluster::LOGGER) &redef;

	## All proxies.
	global proxy_pool: Pool;
	## All workers.
	global worker_pool: Pool;
	## All loggers (the manager too when it writes the logs).
	global logger_pool: Pool;

	## Create a pool from ``spec``; call it in a ``zeek_init`` handler.
	global register_pool: function(spec: PoolSpec): Pool;

	## The topic of the live member that ``key`` hashes to ("" if none is up).
	global hrw_topic: function(pool: Pool, key: any): string;

	## The topic of the next live member for ``key`` ("" if none is up).
	global rr_topic: function(pool: Pool, key: string &default=""): string;
}

global registered_pools: vector of Pool = vector();

function register_pool(spec: PoolSpec): Pool
	{
	local p = Pool($spec=spec);
	registered_pools += p;
	return p;
	}

function hrw_topic(pool: Pool, key: any): string
	{
	if ( |pool$hrw_pool$sites| == 0 )
		return "";

	local site = HashHRW::get_site(pool$hrw_pool, key);
	local pn: PoolNode = site$user_data;
	return pn$topic;
	}

function rr_topic(pool: Pool, key: string &default=""): string
	{
	local n = |pool$node_list|;

	if ( key !in pool$rr_key_seq )
		pool$rr_key_seq[key] = 0;

	local i = pool$rr_key_seq[key];

	if ( i >= n )
		return "";

	local first = i;
	local topic = "";

	while ( T )
		{
		local pn = pool$node_list[i];
		i = (i + 1) % n;

		if ( pn$alive )
			{
			topic = pn$topic;
			break;
			}

		if ( i == first )
			break;  # nobody is up
		}

	pool$rr_key_seq[key] = i;
	return topic;
	}

function set_alive(pool: Pool, name: string, alive: bool): bool
	{
	if ( name !in pool$nodes )
		return F;

	local pn = pool$nodes[name];
	local site = HashHRW::Site($id=pn$site_id, $user_data=pn);

	if ( pn$alive != alive )
		{
		pn$alive = alive;

		if ( alive )
			++pool$alive_count;
		else
			--pool$alive_count;
		}

	if ( alive )
		HashHRW::add_site(pool$hrw_pool, site);
	else
		HashHRW::rem_site(pool$hrw_pool, site);

	return T;
	}

# Zeek's names for marking a member up or down (scripts and tests use them).
function mark_pool_node_alive(pool: Pool, name: string): bool &is_used
	{
	return set_alive(pool, name, T);
	}

function mark_pool_node_dead(pool: Pool, name: string): bool &is_used
	{
	return set_alive(pool, name, F);
	}

event Cluster::node_up(name: string, id: string) &priority=10
	{
	for ( _, p in registered_pools )
		set_alive(p, name, T);
	}

event Cluster::node_down(name: string, id: string) &priority=10
	{
	for ( _, p in registered_pools )
		set_alive(p, name, F);
	}

function site_id_taken(pool: Pool, id: count): bool
	{
	for ( _, pn in pool$nodes )
		if ( pn$site_id == id )
			return T;

	return F;
	}

function init_pool_node(pool: Pool, name: string): bool
	{
	if ( name in pool$nodes )
		return F;

	# Hash ids of different names could collide: try name.0, name.1 ...
	local c = 0;
	local alias = fmt("%s.%d", name, c);

	while ( site_id_taken(pool, fnv1a32(alias)) )
		{
		++c;
		alias = fmt("%s.%d", name, c);
		}

	local pn = PoolNode($name=name, $alias=alias, $site_id=fnv1a32(alias),
	                    $alive=(name == Cluster::node), $topic=Cluster::node_topic(name));
	pool$nodes[name] = pn;
	pool$node_list += pn;

	if ( pn$alive )
		{
		++pool$alive_count;
		HashHRW::add_site(pool$hrw_pool, HashHRW::Site($id=pn$site_id, $user_data=pn));
		}

	return T;
	}

event zeek_init()
	{
	worker_pool = register_pool(worker_pool_spec);
	proxy_pool = register_pool(proxy_pool_spec);
	logger_pool = register_pool(logger_pool_spec);
	}

# Which nodes of a type are still to be handed out to pools.
type Eligible: record {
	names: vector of string &default=vector();
	next_idx: count &default=0;
	reserved: count &default=0;
};

function by_topic(a: Pool, b: Pool): int
	{
	return strcmp(a$spec$topic, b$spec$topic);
	}

event zeek_init() &priority=-5
	{
	if ( ! Cluster::is_enabled() )
		return;

	# A stable order, whatever the order of registration.
	sort(registered_pools, by_topic);

	local eligible: table[NodeType] of Eligible = table();

	for ( nt in set(WORKER, PROXY, LOGGER) )
		{
		local e = Eligible();

		for ( _, nn in nodes_with_type(nt) )
			e$names += nn$name;

		eligible[nt] = e;
		}

	if ( manager_is_logger )
		for ( _, nn in nodes_with_type(MANAGER) )
			eligible[LOGGER]$names += nn$name;

	for ( _, p in registered_pools )
		{
		if ( p$spec$node_type !in eligible )
			Reporter::fatal(fmt("invalid pool node type: %s", p$spec$node_type));

		if ( ! p$spec$exclusive )
			next;

		if ( ! p$spec?$max_nodes )
			Reporter::fatal("Cluster::PoolSpec 'max_nodes' field must be set when using the 'exclusive' flag");

		eligible[p$spec$node_type]$reserved += p$spec$max_nodes;
		}

	for ( nt, el in eligible )
		if ( el$reserved > |el$names| )
			Reporter::fatal(fmt("not enough %s nodes to satisfy pool exclusivity requirements: need %d nodes", nt, el$reserved));

	# Exclusive pools take the first nodes of their type for themselves.
	for ( _, p in registered_pools )
		{
		if ( ! p$spec$exclusive )
			next;

		el = eligible[p$spec$node_type];
		local rest: vector of string = vector();

		for ( i, name in el$names )
			{
			if ( i < p$spec$max_nodes )
				init_pool_node(p, name);
			else
				rest += name;
			}

		el$names = rest;
		}

	# The other pools share what is left, each continuing where the last stopped.
	for ( _, p in registered_pools )
		{
		if ( p$spec$exclusive )
			next;

		el = eligible[p$spec$node_type];
		local want = |el$names|;

		if ( p$spec?$max_nodes && p$spec$max_nodes < want )
			want = p$spec$max_nodes;

		local added = 0;

		while ( added < want )
			{
			init_pool_node(p, el$names[el$next_idx]);
			++added;
			el$next_idx = (el$next_idx + 1) % |el$names|;
			}
		}
	}
