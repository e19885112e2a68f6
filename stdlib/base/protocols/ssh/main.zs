##! The declarations of Zeek's SSH log (``ssh.log``): its stream id and
##! record.  zscript has no packet engine, so nothing writes this log by
##! itself.

@load base/frameworks/logging

module SSH;

export {
	redef enum Log::ID += { LOG };

	## A policy hook for the SSH log.
	global log_policy: Log::PolicyHook;

	## One line of the SSH log.
	type Info: record {
		ts: time &log;	##< When the connection started.
		uid: string &log;	##< The connection's unique identifier.
		id: conn_id &log;	##< Its endpoints.
		version: count &log &optional;	##< The SSH major version.
		auth_success: bool &log &optional;	##< Whether authentication succeeded.
		auth_attempts: count &log &default=0;	##< Authentication attempts seen.
		client: string &log &optional;	##< The client's version string.
		server: string &log &optional;	##< The server's version string.
		cipher_alg: string &log &optional;	##< The encryption algorithm.
		mac_alg: string &log &optional;	##< The MAC algorithm.
		compression_alg: string &log &optional;	##< The compression algorithm.
		kex_alg: string &log &optional;	##< The key exchange algorithm.
		host_key_alg: string &log &optional;	##< The server's host key algorithm.
		host_key_fingerprint: string &log &optional;	##< The host key's fingerprint.
	};

	## Raised for each line written to the SSH log.
	global log_ssh: event(rec: Info);
}

event zeek_init() &priority=5
	{
	Log::create_stream(SSH::LOG, Log::Stream($columns=Info, $ev=log_ssh, $path="ssh", $policy=log_policy));
	}
