##! Software seen on the network (Zeek's ``base/frameworks/software``).
##!
##! Protocol scripts call :zeek:see:`Software::found` with what a host
##! announced (a server banner, a user agent ...).  The text is split into a
##! name and a :zeek:see:`Software::Version`; the first time a host shows a
##! version of a program it is written to ``software.log``, and when the
##! version differs from the one seen before,
##! :zeek:see:`Software::version_change` is raised.  Only hosts of the kind
##! :zeek:see:`Software::asset_tracking` says are tracked.
##!
##! Version parsing here is our own and simpler than Zeek's: the name is the
##! text before the first number, the version the dotted numbers after it
##! (at most four), and what follows them the ``addl`` part.

@load base/frameworks/logging
@load base/utils/directions-and-hosts

module Software;

export {
	redef enum Log::ID += { LOG };

	## A policy hook for ``software.log``.
	global log_policy: Log::PolicyHook;

	## Kinds of software; protocol scripts add theirs.
	type Type: enum {
		## Not known.
		UNKNOWN,
	};

	## A version: up to four numbers and an additional text.
	type Version: record {
		major: count &optional;
		minor: count &optional;
		minor2: count &optional;
		minor3: count &optional;
		## What followed the numbers (``beta1``, ``p2`` ...).
		addl: string &optional;
	} &log;

	## One sighting of a piece of software (a line of ``software.log``).
	type Info: record {
		## When it was seen.
		ts: time &log &optional;
		## The host running it.
		host: addr &log;
		## The port it was seen on, for servers.
		host_p: port &log &optional;
		software_type: Type &log &default=UNKNOWN;
		name: string &log &optional;
		## The parsed version (parsed from ``unparsed_version`` when missing).
		version: Version &log &optional;
		## The text the version came from.
		unparsed_version: string &log &optional;
		## Log it even when this version of it was logged before.
		force_log: bool &default=F;
	};

	## Which hosts' software is tracked and logged.
	option asset_tracking = LOCAL_HOSTS;

	## The versions of one program seen on a host.
	type Set: record {
		versions: set[string];
		## The last one seen.
		last: Info &optional;
	};

	## Programs by name.
	type SoftwareSets: table[string] of Set;

	## What every tracked host was seen running.
	global tracked_software: table[addr] of SoftwareSets &create_expire=1day;

	## Reports software seen in connection ``id``; returns whether it is
	## tracked (the host is of the kind :zeek:see:`Software::asset_tracking`
	## names, or ``info$force_log`` is set).
	global found: function(id: conn_id, info: Info): bool;

	## Orders two versions: -1, 0 or 1.  Numbers compare first, from
	## ``major`` down; a number that one of them lacks makes it the older.
	## Equal numbers leave the ``addl`` texts to decide.
	global cmp_versions: function(v1: Version, v2: Version): int;

	## ``v`` as text: ``1.7.0.20-beta``.
	global software_fmt_version: function(v: Version): string;

	## ``i``'s name and version as text.
	global software_fmt: function(i: Info): string;

	## Raised for each line written to ``software.log``.
	global log_software: event(rec: Info);

	## A host was seen running another version of a program than before.
	global version_change: event(old: Info, new: Info);

	## Raised by :zeek:see:`Software::found` for software to track.
	global register: event(info: Info);
}

## A version text taken apart: the program's name and its version.
type Description: record {
	name: string;
	version: Version;
	unparsed_version: string;
};

const separators = /[ \t\/\-_(v]+$/;

## Splits ``text`` into a name and a version (see the module's comment).
function parse(text: string): Description
	{
	local v: Version;
	local parts = split_string_n(text, /[0-9]+([.,_\-][0-9]+)*/, T, 1);
	local name = strip(sub(parts[0], separators, ""));
	if ( |parts| >= 2 )
		{
		local nums = split_string(parts[1], /[.,_\-]/);
		if ( |nums| > 0 )
			v$major = to_count(nums[0]);
		if ( |nums| > 1 )
			v$minor = to_count(nums[1]);
		if ( |nums| > 2 )
			v$minor2 = to_count(nums[2]);
		if ( |nums| > 3 )
			v$minor3 = to_count(nums[3]);
		local rest = strip(sub(parts[2], /^[ \t.\-_(]+/, ""));
		rest = strip(sub(rest, /[)]$/, ""));
		if ( rest != "" )
			v$addl = rest;
		}
	if ( name == "" )
		name = text;
	return Description($name=name, $version=v, $unparsed_version=text);
	}

function cmp_part(a: Version, b: Version, i: count): int
	{
	local x = i == 0 ? a?$major : i == 1 ? a?$minor : i == 2 ? a?$minor2 : a?$minor3;
	local y = i == 0 ? b?$major : i == 1 ? b?$minor : i == 2 ? b?$minor2 : b?$minor3;
	if ( ! x || ! y )
		return x ? 1 : (y ? -1 : 0);
	local m = i == 0 ? a$major : i == 1 ? a$minor : i == 2 ? a$minor2 : a$minor3;
	local n = i == 0 ? b$major : i == 1 ? b$minor : i == 2 ? b$minor2 : b$minor3;
	return m < n ? -1 : (m > n ? 1 : 0);
	}

function cmp_versions(v1: Version, v2: Version): int
	{
	for ( i in vector(0, 1, 2, 3) )
		{
		local c = cmp_part(v1, v2, i);
		if ( c != 0 )
			return c;
		}
	local a1 = v1?$addl ? v1$addl : "";
	local a2 = v2?$addl ? v2$addl : "";
	return a1 < a2 ? -1 : (a1 > a2 ? 1 : 0);
	}

function software_fmt_version(v: Version): string
	{
	local s = v?$major ? cat(v$major) : "0";
	if ( v?$minor )
		s += fmt(".%d", v$minor);
	if ( v?$minor2 )
		s += fmt(".%d", v$minor2);
	if ( v?$minor3 )
		s += fmt(".%d", v$minor3);
	if ( v?$addl )
		s += fmt("-%s", v$addl);
	return s;
	}

function software_fmt(i: Info): string
	{
	local name = i?$name ? i$name : "<unknown>";
	if ( ! i?$version )
		return name;
	return fmt("%s %s", name, software_fmt_version(i$version));
	}

event zeek_init() &priority=5
	{
	Log::create_stream(LOG, Log::Stream($columns=Info, $ev=log_software, $path="software",
	                                     $policy=log_policy));
	}

function found(id: conn_id, info: Info): bool
	{
	if ( ! info$force_log && ! addr_matches_host(info$host, asset_tracking) )
		return F;
	if ( ! info?$ts )
		info$ts = network_time();
	if ( ! info?$version && info?$unparsed_version )
		{
		local d = parse(info$unparsed_version);
		info$version = d$version;
		if ( ! info?$name )
			info$name = d$name;
		}
	if ( ! info?$name )
		return F;
	event Software::register(info);
	return T;
	}

event Software::register(info: Info) &priority=5
	{
	if ( info$host !in tracked_software )
		tracked_software[info$host] = SoftwareSets();
	local sets = tracked_software[info$host];
	if ( info$name !in sets )
		sets[info$name] = Set();
	local s = sets[info$name];
	local key = info?$version ? software_fmt_version(info$version) : "";
	if ( key in s$versions && ! info$force_log )
		return;
	if ( s?$last && s$last?$version && info?$version &&
	     cmp_versions(s$last$version, info$version) != 0 )
		event Software::version_change(s$last, info);
	add s$versions[key];
	s$last = info;
	Log::write(LOG, info);
	}
