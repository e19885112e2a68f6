# @log: conn_summary.log
# A test of a log file: conn_summary.log, as written, is compared with
# connections.conn_summary.log (its #open/#close dates are canonicalized).

module ConnSummary;

export {
	redef enum Log::ID += { LOG };

	type Info: record {
		host: addr &log;
		connections: count &log;
	};
}

event zeek_init()
	{
	Log::create_stream(LOG, [$columns=Info, $path="conn_summary"]);
	Log::write(LOG, [$host=10.0.0.1, $connections=3]);
	Log::write(LOG, [$host=10.0.0.2, $connections=1]);
	}
