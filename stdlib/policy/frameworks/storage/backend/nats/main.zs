##! NATS JetStream key-value storage backend support: adds ``$nats`` to
##! :zeek:see:`Storage::BackendOptions`.
##!
##! Needs the ``nats-py`` Python package (``pip install 'zscript[nats]'``)
##! and a nats-server with JetStream (``nats-server -js``).  Entries live in
##! the KV bucket ``bucket`` (created when missing); keys are
##! ``<key_prefix>.<base64url of the serialized key>``.  Expiration times
##! are kept per entry (network time) and swept every
##! :zeek:see:`Storage::expire_interval`; ``bucket_ttl`` sets NATS's own
##! maximum age for a new bucket.  When the server goes away,
##! :zeek:see:`Storage::backend_lost` is raised and operations return
##! ``NOT_CONNECTED``; open the backend again to reconnect.

@load base/frameworks/storage/main

module Storage::Backend::NATS;

export {
	## Default connection timeout (``connect_timeout``).
	const default_connect_timeout: interval = 5 secs &redef;

	## Default operation timeout (``operation_timeout``).
	const default_operation_timeout: interval = 5 secs &redef;

	## Options of the NATS backend.
	type Options: record {
		## The server's URL; several servers of one NATS cluster are
		## separated by commas.
		url: string &default="nats://127.0.0.1:4222";

		## The key-value bucket (letters, digits, ``-`` and ``_``).
		bucket: string &default="zeek";

		## Prefix of this backend's keys in the bucket (``<prefix>.<key>``):
		## use a different one for each kind of data sharing a bucket.
		key_prefix: string &default="";

		## Maximum age of the bucket's entries, set when the bucket is
		## created (0: unlimited).  Per-entry expiration times apply as well.
		bucket_ttl: interval &default=0 secs;

		## Replicas of a bucket created by this backend (NATS cluster).
		replicas: count &default=1;

		## How long connecting may take (``CONNECTION_FAILED`` after that).
		connect_timeout: interval &default=default_connect_timeout;

		## How long an operation may take (``TIMEOUT`` after that).
		operation_timeout: interval &default=default_operation_timeout;
	};
}

redef record Storage::BackendOptions += {
	## Options of the NATS key-value backend.
	nats: Storage::Backend::NATS::Options &optional;
};

module Broker;

export {
	## ``&backend=Broker::NATS``: an ``&backend`` table whose master keeps
	## its data in a NATS key-value bucket (loaded again when the master
	## starts) instead of an SQLite file.
	redef enum BackendType += { NATS };

	## The NATS server(s) of ``&backend=Broker::NATS`` tables.
	const table_store_nats_url = "nats://127.0.0.1:4222" &redef;

	## The bucket of ``&backend=Broker::NATS`` tables; each table's keys
	## are prefixed with its store name.
	const table_store_nats_bucket = "zeek_tables" &redef;
}
