##! Broker-style data stores: key-value stores with one master and any
##! number of clones, replicated over the cluster, and the options of
##! tables declared with ``&backend``.
##!
##! The functions are built-in (Zeek's ``Broker::`` store API):
##!
##! * ``create_master(name, b: BackendType &default=MEMORY, options: BackendOptions
##!   &default=BackendOptions()): opaque of Broker::Store`` and
##!   ``create_clone(name, ...)``; ``close``, ``is_closed``, ``store_name``;
##! * queries, only in a ``when`` condition with a ``timeout`` block, each
##!   returning a :zeek:see:`Broker::QueryResult`: ``exists(h, k)``,
##!   ``get(h, k)``, ``put_unique(h, k, v, e)``, ``get_index_from_value(h, k, i)``,
##!   ``keys(h)``;
##! * mutations returning F only for a closed handle: ``put(h, k, v, e)``,
##!   ``erase``, ``clear``, ``increment(h, k, a, e)``, ``decrement``,
##!   ``append``, ``insert_into_set``, ``insert_into_table``, ``remove_from``,
##!   ``push``, ``pop``; ``e`` is an expiration interval from the last change.
##!
##! Consistency: the master applies writes in the order it receives them
##! and every clone converges to the master's data (last write applied by
##! the master wins).  Clones read their local copy.

module Broker;

export {
	## Default resynchronization interval of clones (kept for compatibility).
	const default_clone_resync_interval = 10sec &redef;

	## Default staleness interval of clones (not used by zscript).
	const default_clone_stale_interval = 5min &redef;

	## Default mutation buffering interval of clones (not used by zscript).
	const default_clone_mutation_buffer_interval = 2min &redef;

	## Whether this node holds the masters of ``&backend`` tables when no
	## cluster transport says otherwise (a standalone process).
	const table_store_master = T &redef;

	## The directory of the files of ``&backend=Broker::SQLITE`` tables
	## (``<dir>/___sync_store_<name>.sqlite``).  It must exist.
	const table_store_db_directory = "." &redef;

	## Whether a query succeeded.
	type QueryStatus: enum {
		SUCCESS,	##< The query found what it asked for.
		FAILURE,	##< It did not (no such key, closed store ...).
	};

	## The result of a store query.
	type QueryResult: record {
		## Whether the query succeeded.
		status: Broker::QueryStatus;
		## The value as Broker data (convert it with ``as``); without a
		## value on failure.
		result: Broker::Data;
	};

	## What to do when an SQLite store cannot be opened (zscript fails).
	type SQLiteFailureMode: enum {
		SQLITE_FAILURE_MODE_FAIL,	##< Fail during initialization.
		SQLITE_FAILURE_MODE_DELETE,	##< Delete the file and start empty.
	};

	## SQLite's ``synchronous`` pragma.
	type SQLiteSynchronous: enum {
		SQLITE_SYNCHRONOUS_OFF,
		SQLITE_SYNCHRONOUS_NORMAL,
		SQLITE_SYNCHRONOUS_FULL,
		SQLITE_SYNCHRONOUS_EXTRA,
	};

	## SQLite's ``journal_mode`` pragma.
	type SQLiteJournalMode: enum {
		SQLITE_JOURNAL_MODE_DELETE,
		SQLITE_JOURNAL_MODE_WAL,
	};

	## Options of an SQLite store.
	type SQLiteOptions: record {
		## The file; empty means ``<store name>.sqlite``.
		path: string &default = "";
		## The ``synchronous`` pragma (SQLite's default when unset).
		synchronous: SQLiteSynchronous &optional;
		## The ``journal_mode`` pragma (SQLite's default when unset).
		journal_mode: SQLiteJournalMode &optional;
		## What to do when the file cannot be opened.
		failure_mode: SQLiteFailureMode &default=SQLITE_FAILURE_MODE_FAIL;
		## Run ``pragma integrity_check`` when opening.
		integrity_check: bool &default=F;
	};

	## Options of a store's backend.
	type BackendOptions: record {
		## Options for ``Broker::SQLITE``.
		sqlite: SQLiteOptions &default = SQLiteOptions();
	};

	## Raised on a node whose copy of the replicated store *store_name*
	## (``___sync_store_<global>`` for an ``&backend`` table) lost messages:
	## *reason* is ``overflow`` (a queue of store messages on this node
	## overflowed), ``gap`` (updates from the master were lost on the way)
	## or ``lost_writes`` (more of this node's writes waited for the master's
	## confirmation than are kept).  The node resynchronizes with the master
	## (a clone takes a snapshot, and keeps asking until it has one), so the
	## copies agree again; a write of this node that never reached the
	## master is gone then.  A zscript extension: Broker reports lost
	## messages between peers with ``Broker::error``.
	global store_resync: event(store_name: string, reason: string);
}
