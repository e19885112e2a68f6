##! ``broker.log``: one line per change of a peering and per error of
##! Broker's (``Broker::peer_added``, ``peer_removed``, ``peer_lost``,
##! ``Broker::error``).  Errors are also reported (``reporter``).

@load ./main
@load base/frameworks/logging

module Broker;

export {
	redef enum Log::ID += { LOG };

	## The stream's default policy hook.
	global log_policy: Log::PolicyHook;

	## What a line of ``broker.log`` is about.
	type Type: enum {
		STATUS,	##< A peering changed.
		ERROR,	##< An operation failed.
		CRITICAL_EVENT,
		ERROR_EVENT,
		WARNING_EVENT,
		INFO_EVENT,
		VERBOSE_EVENT,
		DEBUG_EVENT,
	};

	## The columns of ``broker.log``.
	type Info: record {
		## When it happened (network time).
		ts: time &log;
		## Its kind.
		ty: Type &log;
		## What happened (``peer-added``, ``connection-terminated`` ...).
		ev: string &log;
		## The peer concerned, if any.
		peer: NetworkInfo &log &optional;
		## Details.
		message: string &log &optional;
	};
}

event zeek_init() &priority=5
	{
	Log::create_stream(Broker::LOG, Log::Stream($columns=Info, $path="broker", $policy=log_policy));
	}

function write_status(what: string, endpoint: EndpointInfo, msg: string)
	{
	local info = Info($ts=network_time(), $ty=STATUS, $ev=what, $message=msg);
	if ( endpoint?$network )
		info$peer = endpoint$network;
	Log::write(Broker::LOG, info);
	}

event Broker::peer_added(endpoint: EndpointInfo, msg: string)
	{
	write_status("peer-added", endpoint, msg);
	}

event Broker::peer_removed(endpoint: EndpointInfo, msg: string)
	{
	write_status("peer-removed", endpoint, msg);
	}

event Broker::peer_lost(endpoint: EndpointInfo, msg: string)
	{
	write_status("connection-terminated", endpoint, msg);
	}

event Broker::error(code: ErrorCode, msg: string)
	{
	# Broker::PEER_INVALID -> peer-invalid
	local what = to_lower(subst_string(subst_string(cat(code), "Broker::", ""), "_", "-"));
	Log::write(Broker::LOG, Info($ts=network_time(), $ty=ERROR, $ev=what, $message=msg));
	Reporter::error(fmt("Broker error (%s): %s", code, msg));
	}
