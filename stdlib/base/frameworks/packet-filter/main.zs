##! The packet filter (Zeek's ``base/frameworks/packet-filter``): the BPF
##! filter built from :zeek:see:`capture_filters`, :zeek:see:`restrict_filters`,
##! the exclusions scripts add at run time and the ``*_filter`` constants.
##!
##! zscript reads no packets, so the filter selects nothing: it is built,
##! kept in :zeek:see:`PacketFilter::current_filter` and written to
##! ``packet_filter.log`` whenever it changes, for scripts that look at it.
##! Filters are not compiled, so none is rejected.

@load base/frameworks/logging
@load ./utils

module PacketFilter;

export {
	redef enum Log::ID += { LOG };

	## A policy hook for ``packet_filter.log``.
	global log_policy: Log::PolicyHook;

	## A line of ``packet_filter.log``: a filter that was installed.
	type Info: record {
		ts: time &log;
		## The cluster node that installed it.
		node: string &log &optional;
		filter: string &log;
		## Installed at start-up.
		init: bool &log &default=F;
		success: bool &log &default=T;
		failure_reason: string &log &optional;
	};

	## The capture filter used when :zeek:see:`capture_filters` is empty.
	const default_capture_filter = "ip or not ip" &redef;

	## Packets matching it are analyzed whatever the other filters say.
	const unrestricted_filter = "" &redef;

	## Packets must match it whatever the other filters say.
	const restricted_filter = "" &redef;

	## Leaves out the packets matching ``filter`` (named ``filter_id``)
	## from now on; true when the filter changed.
	global exclude: function(filter_id: string, filter: string): bool;

	## :zeek:see:`PacketFilter::exclude` for ``span``.
	global exclude_for: function(filter_id: string, filter: string, span: interval): bool;

	## Ends the exclusion named ``filter_id``; true when there was one.
	global remove_exclude: function(filter_id: string): bool;

	## Builds the filter again and installs it when it changed.
	global install: function(): bool;

	## A function run before each build, to add filters of its own.
	type FilterPlugin: record {
		func: function();
	};

	## Adds a filter plugin.
	global register_filter_plugin: function(fp: FilterPlugin);

	## The filter installed last.
	global current_filter = "<not set yet>";
}

global exclusions: table[string] of string = {};
global plugins: vector of FilterPlugin;
global building = F;

## The time given to :zeek:see:`PacketFilter::exclude_for` is over.
global exclusion_ended: event(filter_id: string);

function register_filter_plugin(fp: FilterPlugin)
	{
	plugins += fp;
	}

## The whole filter, from its parts (see the module's comment).
function build(): string
	{
	if ( cmd_line_bpf_filter != "" )
		return cmd_line_bpf_filter;
	building = T;
	for ( _, p in plugins )
		p$func();
	local capture = |capture_filters| == 0 ? default_capture_filter : "";
	for ( _, cf in capture_filters )
		capture = combine_filters(capture, "or", cf);
	local restrict = "";
	for ( _, rf in restrict_filters )
		restrict = combine_filters(restrict, "and", rf);
	for ( _, ex in exclusions )
		restrict = combine_filters(restrict, "and", fmt("not (%s)", ex));
	local filter = combine_filters(capture, "and", restrict);
	if ( unrestricted_filter != "" )
		filter = combine_filters(unrestricted_filter, "or", filter);
	if ( restricted_filter != "" )
		filter = combine_filters(restricted_filter, "and", filter);
	building = F;
	return filter;
	}

function install(): bool
	{
	if ( building )
		return F;
	local filter = build();
	if ( filter == current_filter )
		return F;
	local init = current_filter == "<not set yet>";
	current_filter = filter;
	Log::write(LOG, Info($ts=network_time(), $node=peer_description, $filter=filter,
	                     $init=init));
	return T;
	}

function exclude(filter_id: string, filter: string): bool
	{
	exclusions[filter_id] = filter;
	return install();
	}

event PacketFilter::exclusion_ended(filter_id: string)
	{
	remove_exclude(filter_id);
	}

function exclude_for(filter_id: string, filter: string, span: interval): bool
	{
	if ( ! exclude(filter_id, filter) )
		return F;
	schedule span { PacketFilter::exclusion_ended(filter_id) };
	return T;
	}

function remove_exclude(filter_id: string): bool
	{
	if ( filter_id !in exclusions )
		return F;
	delete exclusions[filter_id];
	install();
	return T;
	}

event zeek_init() &priority=5
	{
	Log::create_stream(LOG, Log::Stream($columns=Info, $path="packet_filter",
	                                     $policy=log_policy));
	}

event zeek_init() &priority=-6
	{
	install();
	}
