##! Weirds: unusual things noticed by zscript itself or by scripts (Zeek's
##! ``Weird`` module), logged to ``weird.log``.
##!
##! The core raises :zeek:see:`net_weird` (the logging framework does when it
##! cuts a value to a stream's limits: ``log_string_field_truncated``,
##! ``log_container_field_truncated``).  Each weird gets the action
##! :zeek:see:`Weird::actions` names for it (log it by default).  The same
##! weird for the same identifier (the connection, "" if none) is logged once
##! per 10 minutes (:zeek:see:`Weird::weird_ignore`), except those in
##! :zeek:see:`Weird::weird_do_not_ignore_repeats`; the ``*_ONCE``,
##! ``*_PER_CONN`` and ``*_PER_ORIG`` actions log a weird once per day for
##! all, per connection or per originator.
##!
##! zscript has no notice framework yet: the ``ACTION_NOTICE*`` actions log
##! as the ``ACTION_LOG*`` ones do and raise no notice (``notice`` stays F).

@load base/utils/conn-ids
@load base/frameworks/logging

module Weird;

export {
	redef enum Log::ID += { LOG };

	## A policy hook for the weird log stream.
	global log_policy: Log::PolicyHook;

	## One weird, as logged.
	type Info: record {
		## When it happened.
		ts: time &log;
		## The connection's uid, if the weird concerns one.
		uid: string &log &optional;
		## The connection's endpoints, if the weird concerns one.
		id: conn_id &log &optional;
		## The connection itself.
		conn: connection &optional;
		## What happened.
		name: string &log;
		## Details.
		addl: string &log &optional;
		## Whether a notice was raised for it (never, in zscript: see above).
		notice: bool &log &default=F;
		## The process that saw it.
		peer: string &log &default=peer_description;
		## Where it was seen (an analyzer, a framework).
		source: string &log &optional;
		## Identifies the weird's subject for the repeat rules (else the
		## connection's endpoints, else "").
		identifier: string &optional;
	};

	## What to do with a weird.
	type Action: enum {
		## No action given.
		ACTION_UNSPECIFIED,
		## Do nothing.
		ACTION_IGNORE,
		## Log it.
		ACTION_LOG,
		## Log it once a day.
		ACTION_LOG_ONCE,
		## Log it once a day per connection.
		ACTION_LOG_PER_CONN,
		## Log it once a day per originator.
		ACTION_LOG_PER_ORIG,
		## Raise a notice (zscript: log it).
		ACTION_NOTICE,
		## Raise a notice once a day (zscript: log it so).
		ACTION_NOTICE_ONCE,
		## Raise a notice once a day per connection (zscript: log it so).
		ACTION_NOTICE_PER_CONN,
		## Raise a notice once a day per originator (zscript: log it so).
		ACTION_NOTICE_PER_ORIG,
	};

	## The action for each weird by name; others are logged.
	const actions: table[string] of Action = {} &default=ACTION_LOG &redef;

	## Weirds not to log for these hosts (as originator or responder).
	option ignore_hosts: set[addr, string] = {};

	## Weirds logged every time they happen.
	option weird_do_not_ignore_repeats = {
		"bad_IP_checksum", "bad_TCP_checksum", "bad_UDP_checksum",
		"bad_ICMP_checksum",
	};

	## Weirds (name, identifier) logged in the last 10 minutes.
	global weird_ignore: set[string, string] &create_expire=10min &redef;

	## Weirds (name, identifier) logged today by a limiting action.
	global did_log: set[string, string] &create_expire=1day &redef;

	## Raised for every weird logged.
	global log_weird: event(rec: Info);
}

# Actions that log a weird at most once a day per subject.
const limiting_actions = {
	ACTION_LOG_ONCE, ACTION_LOG_PER_CONN, ACTION_LOG_PER_ORIG,
	ACTION_NOTICE_ONCE, ACTION_NOTICE_PER_CONN, ACTION_NOTICE_PER_ORIG,
};

event zeek_init() &priority=5
	{
	Log::create_stream(Weird::LOG, [$columns=Info, $ev=log_weird, $path="weird",
	                                $policy=log_policy]);
	}

# The subject of the once-a-day rule of a limiting action.
function limit_key(w: Info, action: Action, identifier: string): string
	{
	if ( action == ACTION_LOG_ONCE || action == ACTION_NOTICE_ONCE )
		return "";
	if ( w?$id && (action == ACTION_LOG_PER_ORIG || action == ACTION_NOTICE_PER_ORIG) )
		return cat(w$id$orig_h);
	return identifier;
	}

function do_weird(w: Info)
	{
	local action = actions[w$name];
	local identifier = "";
	if ( w?$identifier )
		identifier = w$identifier;
	else if ( w?$id )
		identifier = id_string(w$id);

	if ( action == ACTION_IGNORE || [w$name, identifier] in weird_ignore )
		return;

	if ( w?$conn )
		{
		w$uid = w$conn$uid;
		w$id = w$conn$id;
		}

	if ( w?$id && ([w$id$orig_h, w$name] in ignore_hosts ||
	               [w$id$resp_h, w$name] in ignore_hosts) )
		return;

	if ( action in limiting_actions )
		{
		local key = limit_key(w, action, identifier);
		if ( [w$name, key] in did_log )
			return;
		add did_log[w$name, key];
		}

	if ( w$name !in weird_do_not_ignore_repeats )
		add weird_ignore[w$name, identifier];

	Log::write(Weird::LOG, w);
	}

event net_weird(name: string, addl: string, source: string)
	{
	local w = Info($ts=network_time(), $name=name);
	if ( addl != "" )
		w$addl = addl;
	if ( source != "" )
		w$source = source;
	do_weird(w);
	}
