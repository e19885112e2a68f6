##! Notices: findings a script wants a person to see (Zeek's
##! ``base/frameworks/notice``).
##!
##! A script raises one with :zeek:see:`NOTICE`.  The notice is completed
##! (time, node, connection fields), then :zeek:see:`Notice::policy` decides
##! what to do with it: its handlers add :zeek:see:`Notice::Action` values
##! (the built-in one at priority 10 applies :zeek:see:`Notice::ignored_types`,
##! :zeek:see:`Notice::alarmed_types`, :zeek:see:`Notice::emailed_types`,
##! the suppression options, and always adds ``ACTION_LOG``); ``break``
##! skips the policy handlers after it (one of priority above 10 that breaks
##! drops the notice: nothing is logged).  :zeek:see:`Notice::notice` then acts:
##! e-mail (through :zeek:see:`Notice::sendmail`), ``notice.log``,
##! ``notice_alarm.log``.
##!
##! Suppression: a notice with an ``$identifier`` is raised once per
##! ``$suppress_for`` for that type and identifier; repeats raise
##! :zeek:see:`Notice::suppressed` instead.  On a cluster each node logs its
##! own notices (the logs go to the logger as all logs do) and sends the
##! suppressions it begins to the manager in batches
##! (:zeek:see:`Notice::suppression_batch_period`,
##! :zeek:see:`Notice::suppression_batch_max_size`), which passes them on to
##! every worker and proxy, so a notice raised on one worker is suppressed
##! on all.

@load base/frameworks/cluster
@load base/frameworks/logging

module Notice;

export {
	redef enum Log::ID += { LOG, ALARM_LOG };

	## A policy hook for ``notice.log``.
	global log_policy: Log::PolicyHook;

	## A policy hook for ``notice_alarm.log``.
	global log_policy_alarm: Log::PolicyHook;

	## The kinds of notices (scripts add theirs with ``redef enum``).
	type Type: enum {
		## Raised by scripts that count things.
		Tally,
	};

	## What is done with a notice.
	type Action: enum {
		## Nothing.
		ACTION_NONE,
		## Write it to ``notice.log``.
		ACTION_LOG,
		## E-mail it to :zeek:see:`Notice::mail_dest`.
		ACTION_EMAIL,
		## Write it to ``notice_alarm.log``.
		ACTION_ALARM,
		## Asks that the offending host be blocked (a script acting on it
		## decides how).
		ACTION_DROP,
	};

	## A set of actions.
	type ActionSet: set[Notice::Action];

	## How long a notice with an identifier suppresses its repeats.
	option default_suppression_interval = 1hrs;

	## A notice.
	type Info: record {
		## When it was raised (set by NOTICE when missing).
		ts: time &log &optional;
		## The connection it concerns.
		uid: string &log &optional;
		id: conn_id &log &optional;
		## The connection itself (fills uid, id, src, dst, p).
		conn: connection &optional;
		## The file it concerns (zscript has no file analysis: scripts set
		## these with :zeek:see:`Notice::populate_file_info2`).
		fuid: string &log &optional;
		file_mime_type: string &log &optional;
		file_desc: string &log &optional;
		## The transport protocol of ``$p``.
		proto: transport_proto &log &optional;
		## What kind of notice.
		note: Type &log;
		## A message for people.
		msg: string &log &optional;
		## More detail.
		sub: string &log &optional;
		## The source and destination addresses and port.
		src: addr &log &optional;
		dst: addr &log &optional;
		p: port &log &optional;
		## A count the notice is about.
		n: count &log &optional;
		## The node that raised it (on a cluster).
		peer_name: string &optional;
		peer_descr: string &log &optional;
		## What is done with it.
		actions: ActionSet &log &default=ActionSet();
		## Where it is e-mailed.
		email_dest: set[string] &log &default=set();
		## Text added to its e-mail.
		email_body_sections: vector of string &optional;
		## Tokens whose release the e-mail waits for (at most
		## :zeek:see:`Notice::max_email_delay`).
		email_delay_tokens: set[string] &optional;
		## Repeats of this type with this identifier are suppressed.
		identifier: string &optional;
		## For how long.
		suppress_for: interval &log &default=default_suppression_interval;
	};

	## Notice types that are dropped.
	option ignored_types: set[Notice::Type] = {};
	## Notice types that are e-mailed.
	option emailed_types: set[Notice::Type] = {};
	## Notice types that are alarms.
	option alarmed_types: set[Notice::Type] = {};
	## Notice types that are never suppressed.
	option not_suppressed_types: set[Notice::Type] = {};
	## Suppression intervals per type (instead of the notice's own).
	const type_suppression_intervals: table[Notice::Type] of interval = {} &redef;

	## Decides what is done with a notice.
	global policy: hook(n: Notice::Info);

	## The program that sends e-mail (run as ``sendmail -t -oi``).
	option sendmail = "/usr/sbin/sendmail";
	## Where ACTION_EMAIL sends notices ("" for nowhere).
	const mail_dest = "" &redef;
	## The e-mails' sender.
	option mail_from = "Zeek <zeek@localhost>";
	## Their Reply-To ("" for none).
	option reply_to = "";
	## Their subjects' prefix.
	option mail_subject_prefix = "[Zeek]";
	## How long an e-mail waits for its delay tokens.
	const max_email_delay = 15secs &redef;

	## What a notice needs to know about a file.
	type FileInfo: record {
		fuid: string;	##< The file's id.
		desc: string;	##< Where it came from.
		mime: string &optional;	##< Its MIME type.
		cid: conn_id &optional;	##< A connection it came over.
		cuid: string &optional;	##< That connection's uid.
	};

	## How long a cluster node collects suppressions before it sends them.
	option suppression_batch_period = 10msec;
	## How many suppressions a batch holds at most.
	option suppression_batch_max_size = 50;

	## Sets the file fields of ``n`` from ``fi``.
	global populate_file_info2: function(fi: Notice::FileInfo, n: Notice::Info);

	## Acts on a notice after the policy (e-mail, logs, suppression).
	global notice: hook(n: Info);

	## A suppression begins (locally or on another node).
	global begin_suppression: event(ts: time, suppress_for: interval, note: Type, identifier: string);

	## Whether ``n`` is suppressed (raising :zeek:see:`Notice::suppressed` if so).
	global is_being_suppressed: function(n: Notice::Info): bool;

	## A notice was suppressed.
	global suppressed: event(n: Notice::Info) &is_used;

	## E-mails ``n`` to ``dest``; ``extend`` adds the body sections (and
	## waits for the delay tokens).
	global email_notice_to: function(n: Info, dest: string, extend: bool);

	## The header lines of a notice e-mail.
	global email_headers: function(subject_desc: string, dest: string): string;

	## Raised for each line of ``notice.log``.
	global log_notice: event(rec: Info);

	## Completes ``n`` and runs the policy on it.
	global apply_policy: function(n: Notice::Info);
}

# Suppressions expire when their time is up.
function suppression_left(t: table[Type, string] of time, note: Type, identifier: string): interval
	{
	local left = t[note, identifier] - network_time();
	return left > 0secs ? left : 0secs;
	}

## Suppressions in force: until when, by type and identifier.
global suppressing: table[Type, string] of time &create_expire=0secs
	&expire_func=suppression_left;

event zeek_init() &priority=5
	{
	Log::create_stream(Notice::LOG, Log::Stream($columns=Info, $ev=log_notice,
	                                             $path="notice", $policy=log_policy));
	Log::create_stream(Notice::ALARM_LOG, Log::Stream($columns=Info, $path="notice_alarm",
	                                                   $policy=log_policy_alarm));
	}

function email_headers(subject_desc: string, dest: string): string
	{
	local h = fmt("From: %s\nSubject: %s %s\nTo: %s\nUser-Agent: Zeek/%s\n",
	              mail_from, mail_subject_prefix, subject_desc, dest, zeek_version());
	if ( reply_to != "" )
		h += fmt("Reply-To: %s\n", reply_to);
	return h;
	}

global delayed_email: event(n: Notice::Info, dest: string, extend: bool);

event delayed_email(n: Notice::Info, dest: string, extend: bool)
	{
	email_notice_to(n, dest, extend);
	}

# The body of a notice e-mail.
function email_body(n: Notice::Info, extend: bool): string
	{
	local b = fmt("\nMessage: %s\n", n$msg);
	if ( n?$sub )
		b += fmt("Sub-message: %s\n", n$sub);
	b += "\n";
	if ( n?$file_desc )
		b += fmt("File Description: %s\n", n$file_desc);
	if ( n?$file_mime_type )
		b += fmt("File MIME Type: %s\n", n$file_mime_type);
	if ( n?$file_desc || n?$file_mime_type )
		b += "\n";
	if ( n?$id )
		{
		b += fmt("Connection: %s:%d -> %s:%d\n", n$id$orig_h, n$id$orig_p,
		         n$id$resp_h, n$id$resp_p);
		if ( n?$uid )
			b += fmt("Connection uid: %s\n", n$uid);
		}
	else if ( n?$src )
		b += fmt("Address: %s\n", n$src);
	if ( extend )
		{
		b += "\nEmail Extensions\n----------------\n";
		for ( i in n$email_body_sections )
			b += n$email_body_sections[i] + "\n";
		}
	return b + "\n\n--\n[Automatically generated]\n\n";
	}

function email_notice_to(n: Notice::Info, dest: string, extend: bool)
	{
	# (Zeek sends none while reading traces; zscript reads none.)
	if ( dest == "" )
		return;
	if ( extend && |n$email_delay_tokens| > 0 )
		{
		if ( n$ts + max_email_delay > network_time() )
			{
			schedule 1sec { delayed_email(n, dest, extend) };
			return;
			}
		Reporter::info(fmt("Notice email delay tokens weren't released in time (%s).",
		                   n$email_delay_tokens));
		}
	piped_exec(fmt("%s -t -oi", sendmail),
	           email_headers(fmt("%s", n$note), dest) + email_body(n, extend));
	}

# The built-in policy: the type options, and every notice is logged.
hook Notice::policy(n: Notice::Info) &priority=10
	{
	if ( n$note in ignored_types )
		break;
	if ( n$note in not_suppressed_types )
		n$suppress_for = 0secs;
	if ( n$note in alarmed_types )
		add n$actions[ACTION_ALARM];
	if ( n$note in emailed_types )
		add n$actions[ACTION_EMAIL];
	if ( n$note in type_suppression_intervals )
		n$suppress_for = type_suppression_intervals[n$note];
	add n$actions[ACTION_LOG];
	}

hook Notice::notice(n: Notice::Info)
	{
	if ( ACTION_EMAIL in n$actions )
		add n$email_dest[mail_dest];
	}

# A suppression as sent between nodes.
type SuppressionInfo: record {
	ts: time;
	suppress_for: interval;
	note: Type;
	identifier: string;
};

# Suppressions on their way to the manager.
type SuppressionBatch: record {
	## When the last batch went.
	ts: time &default=double_to_time(0.0);
	timer_pending: bool &default=F;
	infos: vector of SuppressionInfo;
};

## Between a node and the manager: suppressions that began.
global suppression_batch_internal: event(batch: SuppressionBatch);

global pending_batch = SuppressionBatch($infos=vector());

function send_pending_batch()
	{
	pending_batch$ts = network_time();
	Cluster::publish(Cluster::manager_topic, Notice::suppression_batch_internal, pending_batch);
	pending_batch$infos = vector();
	}

global batch_timer: event();

event batch_timer()
	{
	pending_batch$timer_pending = F;
	if ( |pending_batch$infos| > 0 )
		send_pending_batch();
	}

# Shares a suppression this node began with the cluster: at once when no
# batch is collecting and the last one went a batch period ago, else with
# the batch (sent when full or when its period is up).
function share_suppression(n: Notice::Info)
	{
	pending_batch$infos += SuppressionInfo($ts=n$ts, $suppress_for=n$suppress_for,
	                                       $note=n$note, $identifier=n$identifier);
	if ( suppression_batch_period == 0secs || suppression_batch_max_size == 0 ||
	     (|pending_batch$infos| == 1 &&
	      network_time() - pending_batch$ts >= suppression_batch_period) )
		{
		send_pending_batch();
		return;
		}
	if ( |pending_batch$infos| >= suppression_batch_max_size )
		{
		send_pending_batch();
		return;
		}
	if ( ! pending_batch$timer_pending )
		{
		pending_batch$timer_pending = T;
		schedule suppression_batch_period { batch_timer() };
		}
	}

hook Notice::notice(n: Notice::Info) &priority=-5
	{
	for ( dest in n$email_dest )
		email_notice_to(n, dest, T);
	if ( ACTION_LOG in n$actions )
		Log::write(Notice::LOG, n);
	if ( ACTION_ALARM in n$actions )
		Log::write(Notice::ALARM_LOG, n);

	if ( ! n?$identifier || n$suppress_for == 0secs || [n$note, n$identifier] in suppressing )
		return;
	event Notice::begin_suppression(n$ts, n$suppress_for, n$note, n$identifier);
	suppressing[n$note, n$identifier] = n$ts + n$suppress_for;
	if ( Cluster::is_enabled() && Cluster::local_node_type() != Cluster::MANAGER )
		share_suppression(n);
	}

@if ( Cluster::is_enabled() && Cluster::local_node_type() == Cluster::MANAGER )
# The manager passes every node's suppressions on to the workers and proxies.
event Notice::suppression_batch_internal(batch: SuppressionBatch)
	{
	Cluster::publish(Cluster::worker_topic, Notice::suppression_batch_internal, batch);
	Cluster::publish(Cluster::proxy_topic, Notice::suppression_batch_internal, batch);
	}
@endif

event Notice::suppression_batch_internal(batch: SuppressionBatch)
	{
	for ( _, si in batch$infos )
		event Notice::begin_suppression(si$ts, si$suppress_for, si$note, si$identifier);
	}

event Notice::begin_suppression(ts: time, suppress_for: interval, note: Type, identifier: string)
	{
	suppressing[note, identifier] = ts + suppress_for;
	}

function is_being_suppressed(n: Notice::Info): bool
	{
	if ( ! n?$identifier || [n$note, n$identifier] !in suppressing )
		return F;
	event Notice::suppressed(n);
	return T;
	}

function populate_file_info2(fi: Notice::FileInfo, n: Notice::Info)
	{
	if ( ! n?$fuid )
		n$fuid = fi$fuid;
	if ( ! n?$file_mime_type && fi?$mime )
		n$file_mime_type = fi$mime;
	n$file_desc = fi$desc;
	if ( fi?$cid )
		n$id = fi$cid;
	if ( fi?$cuid )
		n$uid = fi$cuid;
	}

function apply_policy(n: Notice::Info)
	{
	if ( ! n?$ts )
		n$ts = network_time();
	if ( Cluster::is_enabled() )
		{
		if ( ! n?$peer_name )
			n$peer_name = Cluster::node;
		if ( ! n?$peer_descr )
			n$peer_descr = Cluster::node;
		}
	if ( n?$conn )
		{
		if ( ! n?$id )
			n$id = n$conn$id;
		if ( ! n?$uid )
			n$uid = n$conn$uid;
		}
	if ( n?$id )
		{
		if ( ! n?$src )
			n$src = n$id$orig_h;
		if ( ! n?$dst )
			n$dst = n$id$resp_h;
		if ( ! n?$p )
			n$p = n$id$resp_p;
		}
	if ( n?$p )
		n$proto = get_port_transport_proto(n$p);
	if ( ! n?$email_body_sections )
		n$email_body_sections = vector();
	if ( ! n?$email_delay_tokens )
		n$email_delay_tokens = set();
	hook Notice::policy(n);
	}

module GLOBAL;

## Raises notice ``n`` (see :zeek:see:`Notice::Info`): unless it is
## suppressed, completes it, runs :zeek:see:`Notice::policy` and then
## :zeek:see:`Notice::notice`.
function NOTICE(n: Notice::Info)
	{
	if ( Notice::is_being_suppressed(n) )
		return;
	Notice::apply_policy(n);
	hook Notice::notice(n);
	}
