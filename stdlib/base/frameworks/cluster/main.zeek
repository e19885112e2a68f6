##! The cluster framework: topics, liveness and helpers shared by every node.
##!
##! A node learns that another node is up from a ``Cluster::hello`` (sent by
##! the backend's handshake, see ``policy/frameworks/cluster/backend/zeromq``)
##! and raises ``Cluster::node_up``; when the backend sees it go away it raises
##! ``Cluster::node_down``.  Both are local events: they are never published.

@load ./types
@load base/frameworks/logging

module Cluster;

export {
	## Topic that every logger subscribes to.
	const logger_topic = "zeek/cluster/logger" &redef;
	## Topic that the manager subscribes to.
	const manager_topic = "zeek/cluster/manager" &redef;
	## Topic that every proxy subscribes to.
	const proxy_topic = "zeek/cluster/proxy" &redef;
	## Topic that every worker subscribes to.
	const worker_topic = "zeek/cluster/worker" &redef;

	## The topics of the four node types (no single topic reaches every node).
	const broadcast_topics = {
		logger_topic,
		manager_topic,
		proxy_topic,
		worker_topic,
	};

	## Prefix of the per-node-name topics.
	const node_topic_prefix = "zeek/cluster/node/" &redef;
	## Prefix of the per-process (node id) topics.
	const nodeid_topic_prefix = "zeek/cluster/nodeid/" &redef;

	## How long to wait before retrying a connection.
	const retry_interval = 1sec &redef;

	## The identity of this process on the cluster's transport (new on every start).
	global node_id: function(): string &redef;

	## The topic only node ``name`` subscribes to.
	global node_topic: function(name: string): string &redef;

	## The topic only the process with id ``id`` subscribes to.
	global nodeid_topic: function(id: string): string &redef;

	## Sent by a node to a new peer; answered the same way.
	global hello: event(name: string, id: string);

	## Node ``name`` (process ``id``) is up and can be reached.
	global node_up: event(name: string, id: string);

	## Node ``name`` (process ``id``) went away.
	global node_down: event(name: string, id: string);

	## How many nodes of the layout have type ``node_type``.
	global get_node_count: function(node_type: NodeType): count;

	## How many nodes of type ``node_type`` are currently up.
	global get_active_node_count: function(node_type: NodeType): count;

	## The layout's node whose running process has ``id`` (name "" if none).
	global nodeid_to_node: function(id: string): NamedNode;

	## The nodes of type ``node_type``, sorted by name.
	global nodes_with_type: function(node_type: NodeType): vector of NamedNode;

	## Record a message about the cluster (``cluster.log`` when logging is loaded).
	global log: function(msg: string);

	## Connect this process to the cluster's transport (done at ``zeek_init``).
	global init: function(): bool;

	## Called for each node this node is about to connect to, as the layout
	## says (Broker backend only: a worker connects to the manager, the
	## proxies and the loggers ...); a ``break`` skips that connection.
	global connect_node_hook: hook(connectee: NamedNode);
}

function default_node_id(): string
	{
	return "";
	}

redef node_id = default_node_id;

function default_node_topic(name: string): string
	{
	return node_topic_prefix + name + "/";
	}

redef node_topic = default_node_topic;

function default_nodeid_topic(id: string): string
	{
	return nodeid_topic_prefix + id + "/";
	}

redef nodeid_topic = default_nodeid_topic;

# The ids of the processes that are up, by node type.
global active_node_ids: table[NodeType] of set[string];

function nodes_with_type(node_type: NodeType): vector of NamedNode
	{
	local found: vector of NamedNode = vector();

	for ( name, n in nodes )
		if ( n$node_type == node_type )
			found += NamedNode($name=name, $node=n);

	return sort(found, function(a: NamedNode, b: NamedNode): int { return strcmp(a$name, b$name); });
	}

function get_node_count(node_type: NodeType): count
	{
	local n = 0;

	for ( _, nd in nodes )
		if ( nd$node_type == node_type )
			++n;

	return n;
	}

function get_active_node_count(node_type: NodeType): count
	{
	if ( node_type !in active_node_ids )
		return 0;

	return |active_node_ids[node_type]|;
	}

function nodeid_to_node(id: string): NamedNode
	{
	for ( name, n in nodes )
		if ( n?$id && n$id == id )
			return NamedNode($name=name, $node=n);

	return NamedNode($name="", $node=Node($node_type=NONE, $ip=0.0.0.0));
	}

function init(): bool
	{
	return Cluster::Backend::__init(node_id());
	}

event Cluster::hello(name: string, id: string) &priority=10
	{
	if ( name !in nodes )
		{
		Reporter::error(fmt("Got Cluster::hello msg from unexpected node: %s", name));
		return;
		}

	local n = nodes[name];

	if ( ! n?$id )
		event Cluster::node_up(name, id);
	else if ( n$id != id )
		Reporter::error(fmt("Got Cluster::hello msg from duplicate node:%s", name));

	n$id = id;
	Cluster::log(fmt("got hello from %s (%s)", name, id));

	if ( n$node_type !in active_node_ids )
		active_node_ids[n$node_type] = set();

	add active_node_ids[n$node_type][id];
	}

event Cluster::node_down(name: string, id: string) &priority=10
	{
	for ( node_name, n in nodes )
		{
		if ( n?$id && n$id == id )
			{
			Cluster::log(fmt("node down: %s", node_name));
			delete n$id;
			delete active_node_ids[n$node_type][id];
			return;
			}
		}

	# A process retired early (its node restarted and said hello again first).
	if ( name in nodes && nodes[name]$node_type in active_node_ids &&
	     id in active_node_ids[nodes[name]$node_type] )
		{
		Cluster::log(fmt("node down: %s", name));
		delete active_node_ids[nodes[name]$node_type][id];
		return;
		}

	Reporter::error(fmt("No node found in Cluster::node_down() node:%s id:%s", name, id));
	}

event zeek_init() &priority=5
	{
	if ( node == "" )
		return;

	if ( node !in nodes )
		{
		Reporter::error(fmt("'%s' is not a valid node in the Cluster::nodes configuration", node));
		terminate();
		}

	if ( backend == CLUSTER_BACKEND_NONE )
		Reporter::fatal(fmt("Cluster::node set to '%s', but Cluster::backend is %s - please select a cluster backend to use.", node, backend));
	}

# cluster.log
redef enum Log::ID += { LOG };

export {
	## Columns of ``cluster.log``.
	type Info: record {
		## When the message was logged.
		ts: time &log;
		## The node that logged it.
		node: string &log;
		## What happened.
		message: string &log;
	};

	## Policy hook of ``cluster.log``.
	global log_policy: Log::PolicyHook;
}

event zeek_init() &priority=5
	{
	Log::create_stream(Cluster::LOG, Log::Stream($columns=Info, $path="cluster", $policy=log_policy));
	}

function log(msg: string)
	{
	Log::write(Cluster::LOG, Info($ts=network_time(), $node=node, $message=msg));
	}
