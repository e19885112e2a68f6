##! The cluster's data types and the identity of this node.
##!
##! Loaded by ``init-bare``, so every process has them: a standalone process
##! is simply not enabled (``Cluster::node == ""``) and its type is ``NONE``.
##! ``zscript run NODE`` redefines ``Cluster::node`` and ``Cluster::nodes`` from
##! the cluster layout before anything else is loaded.

module Cluster;

export {
	## The roles a process can have in a cluster.
	type NodeType: enum {
		## Not part of a cluster.
		NONE,
		## A remote-control client (zeekctl's pseudo node; never in a layout here).
		CONTROL,
		## Writes the logs of the cluster.
		LOGGER,
		## Holds the global view; writes the logs when there is no logger.
		MANAGER,
		## Takes state or work off the others, usually chosen by hashing a key.
		PROXY,
		## Does the analysis.
		WORKER,
	};

	## One node of the layout.
	type Node: record {
		## Its role.
		node_type: NodeType;
		## The address it runs on.
		ip: addr;
		## IPv6 zone of ``ip``, if any.
		zone_id: string &default="";
		## Its listening port: for loggers, where log batches are pushed.
		p: port &default=0/unknown;
		## The manager a proxy or worker belongs to.
		manager: string &optional;
		## The identity of the running process, once it said hello (unset while down).
		id: string &optional;
		## Where the node serves Prometheus metrics.
		metrics_port: port &optional;
	};

	## A node together with its name.
	type NamedNode: record {
		name: string;
		node: Node;
	};

	## An event and its arguments, as built by ``Cluster::make_event``.
	type Event: record {
		## The event.
		ev: any;
		## Its arguments.
		args: vector of any;
	};

	## The transports a cluster can use.
	type BackendTag: enum {
		CLUSTER_BACKEND_NONE,
		CLUSTER_BACKEND_BROKER,
		CLUSTER_BACKEND_ZEROMQ,
	};

	## The transport of this process (selected by loading a backend's scripts).
	const backend = CLUSTER_BACKEND_NONE &redef;

	## Wire formats of events.
	type EventSerializerTag: enum {
		EVENT_SERIALIZER_BROKER_BIN_V1,
		EVENT_SERIALIZER_BROKER_JSON_V1,
	};

	## The format this node publishes and expects; every node must use the same.
	const event_serializer = EVENT_SERIALIZER_BROKER_BIN_V1 &redef;

	## The name of this node ("" when not in a cluster).
	const node = "" &redef;

	## Every node of the cluster, by name.
	const nodes: table[string] of Node = {} &redef;

	## False when the layout has a logger; then the manager does not write logs.
	const manager_is_logger = T &redef;

	## The default ``max_batch_size`` of :zeek:attr:`&publish_on_change`.
	option default_table_publish_on_change_max_batch_size = 10;

	## The default ``max_batch_delay`` of :zeek:attr:`&publish_on_change`.
	option default_table_publish_on_change_max_batch_delay = 10msec;

	## The value of the :zeek:attr:`&publish_on_change` attribute of a
	## global table or set: its changes are published to the other nodes,
	## which apply them to their own copy (see
	## ``base/frameworks/cluster/publish-on-change``).
	type PublishOnChangeAttr: record {
		## The kinds of change to publish (not empty).
		changes: set[TableChange];
		## Where to publish: a string, or a function of the table's index
		## returning one.  Default: ``zeek/table/<identifier>/``.
		topic: any &optional;
		## Changes collected before they are published together (0: publish
		## each change at once).
		max_batch_size: count &default=default_table_publish_on_change_max_batch_size;
		## How long changes are collected at most (0sec: publish each change
		## at once).
		max_batch_delay: interval &default=default_table_publish_on_change_max_batch_delay;
	};

	## One change of a table or set, as published to the other nodes.
	type TableChangeInfo: record {
		## What happened.
		change: TableChange;
		## The network time of the change.
		ts: time;
		## The index of the element.
		index: vector of any;
		## The new (or removed) value; unset for sets.
		value: any &optional;
		## The value before a ``TABLE_ELEMENT_CHANGED``.
		previous_value: any &optional;
	};

	## Changes published together.
	type TableChangeInfos: vector of TableChangeInfo;

	## What a batch of changes has in common.
	type TableChangeHeader: record {
		## The script identifier of the table or set.
		id: string;
		## The network time when the batch was published.
		ts: time;
		## The :zeek:see:`Cluster::node_id` of the process that published it.
		node_id: string;
	};

	## A batch of changes of another process's table or set.
	global table_change_infos: event(tcheader: TableChangeHeader, tcinfos: TableChangeInfos);

	## Broker's way of publishing changes through the manager (not used with
	## ZeroMQ, where every node sees every other node's publishes).
	global forward_table_change_infos: event(tcheader: TableChangeHeader, tcinfos: TableChangeInfos, to_topic: string);

	## Runs before received changes are applied; ``break`` discards them.
	global apply_table_change_infos_policy: hook(tcheader: TableChangeHeader, tcinfos: TableChangeInfos);

	## Whether this process is a cluster node.
	global is_enabled: function(): bool;

	## The role of this node (``NONE`` outside a cluster or for an unknown name).
	global local_node_type: function(): NodeType;

	## The metrics port of this node from the layout (``0/unknown`` if none).
	global local_node_metrics_port: function(): port;
}

function is_enabled(): bool
	{
	return node != "";
	}

function local_node_type(): NodeType
	{
	if ( node == "" || node !in nodes )
		return NONE;

	return nodes[node]$node_type;
	}

function local_node_metrics_port(): port
	{
	if ( node == "" || node !in nodes || ! nodes[node]?$metrics_port )
		return 0/unknown;

	return nodes[node]$metrics_port;
	}
