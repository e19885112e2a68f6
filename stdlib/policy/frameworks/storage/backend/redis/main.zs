##! Redis storage backend support: adds ``$redis`` to
##! :zeek:see:`Storage::BackendOptions`.
##!
##! Needs the ``redis`` Python package (``pip install 'zscript[redis]'``)
##! and a Redis server 6.2 or newer.  Keys are stored as
##! ``<key_prefix>:<serialized key>``; Redis expires entries itself.  When
##! the server goes away, :zeek:see:`Storage::backend_lost` is raised and
##! operations return ``NOT_CONNECTED``; open the backend again to reconnect.

@load base/frameworks/storage/main

module Storage::Backend::Redis;

export {
	## Default connection timeout (``connect_timeout``).
	const default_connect_timeout: interval = 5 secs &redef;

	## Default operation timeout (``operation_timeout``).
	const default_operation_timeout: interval = 5 secs &redef;

	## Options of the Redis backend.
	type Options: record {
		## Address or name of the server.
		server_host: string &optional;

		## The server's port.
		server_port: port &default=6379/tcp;

		## A Unix socket of the server, used when ``server_host`` is unset.
		server_unix_socket: string &optional;

		## Prefix of the keys of this backend (``<prefix>:<key>``); use a
		## different one for each kind of data sharing a server.
		key_prefix: string &default="";

		## How long connecting may take (``CONNECTION_FAILED`` after that).
		connect_timeout: interval &default=default_connect_timeout;

		## How long an operation may take (``TIMEOUT`` after that).
		operation_timeout: interval &default=default_operation_timeout;

		## User name for ``AUTH`` (servers with ACLs).
		username: string &optional;

		## Password for ``AUTH``.
		password: string &optional;
	};
}

redef record Storage::BackendOptions += {
	## Options of the Redis backend.
	redis: Storage::Backend::Redis::Options &optional;
};
