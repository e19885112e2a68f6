##! The storage framework: common declarations.
##!
##! Open a backend with :zeek:see:`Storage::Sync::open_backend` or
##! :zeek:see:`Storage::Async::open_backend`, giving the backend's tag, its
##! options and the script types of keys and values; then ``put``, ``get``
##! and ``erase`` entries through the returned handle.  Backends are plugins
##! (``Storage::STORAGE_BACKEND_MEMORY``, ``..._SQLITE``, ``..._REDIS``, ``..._NATS``);
##! the options of SQLite and Redis are added by their policy scripts
##! (``policy/frameworks/storage/backend/sqlite``, ``.../redis``, ``.../nats``).

module Storage;

export {
	## How often (in network time) backends that do not expire entries
	## themselves are swept for expired entries.  An expired entry is
	## invisible to ``get`` at once; the sweep removes it.
	const expire_interval = 15.0secs &redef;

	## Backend tags: the backends a handle can be opened with.  Backend
	## plugins add their own tag with ``redef enum``.
	type Backend: enum {
		## Entries in memory, private to the handle (nothing persists).
		STORAGE_BACKEND_MEMORY,
		## Entries in a table of an SQLite database file.
		STORAGE_BACKEND_SQLITE,
		## Entries in a Redis server.
		STORAGE_BACKEND_REDIS,
		## Entries in a NATS JetStream key-value bucket.
		STORAGE_BACKEND_NATS,
	} &redef;

	## Serializers: how keys and values are turned into stored bytes.
	type Serializer: enum {
		## ``JSONv1;`` followed by Zeek's JSON of the value (Zeek's format).
		STORAGE_SERIALIZER_JSON,
	} &redef;

	## The status of a storage operation.  Backends may add codes.
	type ReturnCode: enum {
		## Operation succeeded.
		SUCCESS,
		## The value's type is not the value type the backend was opened with.
		VAL_TYPE_MISMATCH,
		## The key's type is not the key type the backend was opened with.
		KEY_TYPE_MISMATCH,
		## The backend is not connected (closed, or its server went away).
		NOT_CONNECTED,
		## The operation timed out.
		TIMEOUT,
		## The connection to the backend was lost during the operation.
		CONNECTION_LOST,
		## Generic operation failure (the error string says more).
		OPERATION_FAILED,
		## The key was not found (or its entry has expired).
		KEY_NOT_FOUND,
		## The key exists and the put did not ask to overwrite it.
		KEY_EXISTS,
		## Setting up the connection failed.
		CONNECTION_FAILED,
		## Closing the connection failed.
		DISCONNECTION_FAILED,
		## Initializing the backend failed (bad options, corrupt file ...).
		INITIALIZATION_FAILED,
		## The operation is still running (internal).
		IN_PROGRESS,
		## A key or value could not be serialized.
		SERIALIZATION_FAILED,
		## Stored data could not be converted back to the declared type.
		UNSERIALIZATION_FAILED,
	} &redef;

	## The result of every storage operation.
	type OperationResult: record {
		## One of the return codes.
		code: ReturnCode;
		## Details when ``code`` is not ``SUCCESS``.
		error_str: string &optional;
		## The handle after ``open_backend``; the value after ``get``.
		value: any &optional;
	};

	## Default value of :zeek:see:`Storage::BackendOptions` ``$forced_sync``.
	const default_forced_sync: bool = F &redef;

	## Options for opening a backend.  Backend scripts add a field of their
	## own (``$sqlite``, ``$redis``, ``$nats``).
	type BackendOptions: record {
		## The serializer for keys and values.
		serializer: Storage::Serializer &default=Storage::STORAGE_SERIALIZER_JSON;

		## Run the ``Storage::Async`` functions synchronously on this handle
		## (meant for tests).
		forced_sync: bool &default=Storage::default_forced_sync;
	};

	## The arguments of ``put``.
	type PutArgs: record {
		## The key to store the value under.
		key: any;

		## The value to store.
		value: any;

		## Replace an existing (unexpired) entry; with F such a put returns
		## ``KEY_EXISTS``.
		overwrite: bool &default=T;

		## Remove the entry this long after the put (0 = never).
		expire_time: interval &default=0sec;
	};

	## The histogram buckets of operation latency metrics, in seconds.
	const latency_metric_bounds: vector of double = { 0.001, 0.01, 0.1, 1.0, } &redef;

	## Raised when a backend has been opened.
	##
	## tag: the backend's tag.
	##
	## options: the :zeek:see:`Storage::BackendOptions` it was opened with.
	global backend_opened: event(tag: Storage::Backend, options: any);

	## Raised when a backend lost its connection, or was closed (Redis).
	##
	## tag: the backend's tag.
	##
	## options: the :zeek:see:`Storage::BackendOptions` it was opened with.
	##
	## reason: why, e.g. "Server closed the connection".
	global backend_lost: event(tag: Storage::Backend, options: any, reason: string);
}
