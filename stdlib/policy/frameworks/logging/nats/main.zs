##! The NATS JetStream log writer (``Log::WRITER_NATS``, zscript's
##! ``zscript.logs.writers.nats``): each record one message on the subject
##! ``<LogNATS::subject_prefix>.<path>``, stored in the JetStream stream
##! :zeek:see:`LogNATS::stream` (created when missing), published with
##! acknowledgements: a record is either acknowledged or counted as lost
##! (``zscript_log_nats_records_lost_total`` and a reporter error).
##!
##! Use it for one filter::
##!
##!     Log::add_filter(Conn::LOG, [$name="nats", $writer=Log::WRITER_NATS]);
##!
##! or for every stream of every node, so that a cluster needs no logger
##! (each node publishes its own records)::
##!
##!     redef Log::default_writer = Log::WRITER_NATS;
##!     redef Log::enable_local_logging = T;
##!     redef Log::enable_remote_logging = F;
##!
##! A filter's ``$config`` may set ``subject`` (the whole subject) and
##! ``use_json`` ("T"/"F").  Read the records back with
##! ``zscript logs nats PATH`` (Zeek TSV or JSON).  Needs the ``nats-py``
##! package (``pip install 'zscript[nats]'``) and a nats-server with
##! JetStream (``nats-server -js``).

module Log;

export {
	redef enum Writer += {
		## Each record a message on a NATS JetStream subject.
		WRITER_NATS,
	};
}

module LogNATS;

export {
	## The NATS server(s); several of one NATS cluster separated by commas.
	const url = "nats://127.0.0.1:4222" &redef;

	## The JetStream stream storing the records (created with the subjects
	## ``<subject_prefix>.>`` when missing).
	const stream = "zeek_logs" &redef;

	## Records of path P go to the subject ``<subject_prefix>.P``; each
	## writer's schema to ``<subject_prefix>._schema.P``.
	const subject_prefix = "zeek.logs" &redef;

	## Each record as Zeek's JSON object (the bytes the JSON ASCII writer
	## writes, without the newline); F: as a Zeek TSV line.
	const use_json = T &redef;

	## Format of time values in JSON records.
	const json_timestamps: JSON::TimestampFormat = JSON::TS_EPOCH &redef;

	## Records of one writer in flight (sent, not yet acknowledged); a
	## write waits while this many are outstanding.
	const max_pending = 10000 &redef;

	## A record not acknowledged within this time is counted as lost.
	const ack_timeout = 5 secs &redef;

	## How long the first connection may take (the writer stops after that).
	const connect_timeout = 5 secs &redef;

	## TSV records: separator between fields.
	const separator = Log::separator &redef;

	## TSV records: separator between the elements of sets and vectors.
	const set_separator = Log::set_separator &redef;

	## TSV records: text of empty sets and vectors.
	const empty_field = Log::empty_field &redef;

	## TSV records: text of unset fields.
	const unset_field = Log::unset_field &redef;
}
