##! The Supervisor framework's types (Zeek's ``base/frameworks/supervisor/api``),
##! loaded by ``base/init-bare`` as in Zeek.
##!
##! A supervisor is a process started with ``zscript run -j`` (Zeek's
##! ``zeek -j``): its scripts call :zeek:see:`Supervisor::create` to start
##! nodes, each a ``zscript run`` process running the supervisor's scripts in
##! the node's own working directory.  A node started with a ``cluster``
##! table becomes that cluster's node: ``Cluster::nodes`` is filled from the
##! table (``base/frameworks/cluster/supervisor``) instead of a layout.

module Supervisor;

export {
	## A node's role in the cluster of its :zeek:see:`Supervisor::NodeConfig`.
	type ClusterRole: enum {
		NONE,
		LOGGER,
		MANAGER,
		PROXY,
		WORKER,
	};

	## One node of a supervised cluster.
	type ClusterEndpoint: record {
		## What the node does.
		role: ClusterRole;
		## Where it listens.
		host: addr;
		## Its port (``0/unknown``: it listens on none, as with ZeroMQ).
		p: port;
		## The interface a worker reads (no packet engine here: kept only).
		interface: string &optional;
		## The trace a worker reads (kept only).
		pcap_file: string &optional;
		## The port of its Prometheus endpoint.
		metrics_port: port &optional;
	};

	## What the supervisor starts a node with.
	type NodeConfig: record {
		## The node's name (no spaces); also its ``Cluster::node``.
		name: string;
		## Not used (no packet engine).
		interface: string &optional;
		## Not used (no packet engine).
		pcap_file: string &optional;
		## The node's working directory, created if missing.
		directory: string &optional;
		## Its standard output, a file relative to ``directory``.
		stdout_file: string &optional;
		## Its standard error, a file relative to ``directory``.
		stderr_file: string &optional;
		## Bare mode for the node (unset: as the supervisor runs).
		bare_mode: bool &optional;
		## Scripts loaded before the supervisor's scripts.
		addl_base_scripts: vector of string &default = vector();
		## Scripts loaded after them.
		addl_user_scripts: vector of string &default = vector();
		## Environment variables added for the node.
		env: table[string] of string &default=table();
		## Not used.
		cpu_affinity: int &optional;
		## The cluster this node belongs to, by node name.
		cluster: table[string] of ClusterEndpoint &default=table();
	};

	## A node as the supervisor knows it.
	type NodeStatus: record {
		## How it was created.
		node: NodeConfig;
		## Its process id while it runs.
		pid: int &optional;
	};

	## The supervisor's nodes.
	type Status: record {
		nodes: table[string] of NodeStatus;
	};

	## Starts a node; returns "" or why it could not be created.
	global create: function(node: NodeConfig): string;
	## The named node's status, or every node's ("").
	global status: function(node: string &default=""): Status;
	## Restarts the named node, or every node (""); F if there is none.
	global restart: function(node: string &default=""): bool;
	## Stops and forgets the named node, or every node ("").
	global destroy: function(node: string &default=""): bool;
	## Whether this process is a supervisor (``zscript run -j``).
	global is_supervisor: function(): bool;
	## Whether a supervisor started this process.
	global is_supervised: function(): bool;
	## This supervised node's configuration.
	global node: function(): NodeConfig;

	## A line a node wrote to its standard output, when the node has no
	## ``stdout_file``; breaking the hook drops the line (otherwise it is
	## printed as ``[node] line``).
	global stdout_hook: hook(node: string, msg: string);
	## The same for standard error.
	global stderr_hook: hook(node: string, msg: string);

	## The supervisor's view of a node process (raised on the supervisor
	## when it starts one).
	global node_status: event(node: string, pid: count);

	## The configuration a supervised node runs with (set for it before any
	## script loads; use :zeek:see:`Supervisor::node`).
	const __node_config = NodeConfig($name="<invalid>") &redef;
}
