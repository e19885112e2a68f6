##! The declarations of Zeek's connection log (``conn.log``): its stream id
##! and record, so that scripts using them (reading old logs with the input
##! framework, writing records of their own) run.  zscript has no packet
##! engine, so nothing writes this log by itself.

@load base/frameworks/logging

module Conn;

export {
	redef enum Log::ID += { LOG };

	## A policy hook for the connection log.
	global log_policy: Log::PolicyHook;

	## One line of the connection log.
	type Info: record {
		ts: time &log;	##< When the first packet was seen.
		uid: string &log;	##< The connection's unique identifier.
		id: conn_id &log;	##< Its endpoints.
		proto: transport_proto &log;	##< The transport protocol.
		service: string &log &optional;	##< Application protocols found.
		duration: interval &log &optional;	##< How long it lasted.
		orig_bytes: count &log &optional;	##< Payload bytes from the originator.
		resp_bytes: count &log &optional;	##< Payload bytes from the responder.
		conn_state: string &log &optional;	##< Its state (``S0``, ``SF`` ...).
		local_orig: bool &log &optional;	##< The originator is local.
		local_resp: bool &log &optional;	##< The responder is local.
		missed_bytes: count &log &default=0;	##< Bytes missed in gaps.
		history: string &log &optional;	##< Its state history.
		orig_pkts: count &log &optional;	##< Packets from the originator.
		orig_ip_bytes: count &log &optional;	##< IP bytes from the originator.
		resp_pkts: count &log &optional;	##< Packets from the responder.
		resp_ip_bytes: count &log &optional;	##< IP bytes from the responder.
		tunnel_parents: set[string] &log &optional;	##< Enclosing tunnels.
		ip_proto: count &log &optional;	##< The IP protocol number.
	};

	## Raised for each line written to the connection log.
	global log_conn: event(rec: Info);
}

event zeek_init() &priority=5
	{
	Log::create_stream(Conn::LOG, Log::Stream($columns=Info, $ev=log_conn, $path="conn", $policy=log_policy));
	}
