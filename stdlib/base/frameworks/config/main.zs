##! Changing options at run time and logging the changes (``config.log``).
##!
##! :zeek:see:`Config::set_value` sets an option through
##! :zeek:see:`Option::set`, so the option's change handlers run; on a
##! cluster the change goes to the manager, which passes it on to every node
##! (and to nodes that join later).  Every change is logged on the manager
##! (or the standalone process) by a change handler of priority -100.

@load base/frameworks/cluster
@load base/frameworks/logging

module Config;

export {
	redef enum Log::ID += { LOG };

	## A policy hook for the config log.
	global log_policy: Log::PolicyHook;

	## One line of the config log: an option's change.
	type Info: record {
		ts: time &log;	##< When it changed.
		id: string &log;	##< The option.
		old_value: string &log;	##< Its value before.
		new_value: string &log;	##< Its value after.
		location: string &optional &log;	##< Where the change came from (a file ...).
	};

	## Raised for each line of the config log.
	global log_config: event(rec: Info);

	## Sets option ``ID`` to ``val`` everywhere (all nodes of a cluster);
	## ``location`` says where the value comes from.  F if the option
	## does not exist or ``val`` has the wrong type.
	global set_value: function(ID: string, val: any, location: string &default = ""): bool;
}

@if ( Cluster::is_enabled() )
type OptionCacheValue: record {
	val: any;
	location: string;
};

# The manager's current values, for nodes that come up later.
global option_cache: table[string] of OptionCacheValue;

global Config::cluster_set_option: event(ID: string, val: any, location: string);

function broadcast_option(ID: string, val: any, location: string) &is_used
	{
	for ( topic in Cluster::broadcast_topics )
		Cluster::publish(topic, Config::cluster_set_option, ID, val, location);
	}

event Config::cluster_set_option(ID: string, val: any, location: string)
	{
@if ( Cluster::local_node_type() == Cluster::MANAGER )
	option_cache[ID] = OptionCacheValue($val=val, $location=location);
	broadcast_option(ID, val, location);
@endif
	Option::set(ID, val, location);
	}

function set_value(ID: string, val: any, location: string &default = ""): bool
	{
	# A copy: later changes of the caller's value must not change the option.
	val = copy(val);
	if ( ! Option::set(ID, val, location) )
		return F;

@if ( Cluster::local_node_type() == Cluster::MANAGER )
	option_cache[ID] = OptionCacheValue($val=val, $location=location);
	broadcast_option(ID, val, location);
@else
	Cluster::publish(Cluster::manager_topic, Config::cluster_set_option, ID, val, location);
@endif
	return T;
	}
@else
function set_value(ID: string, val: any, location: string &default = ""): bool
	{
	return Option::set(ID, val, location);
	}
@endif

@if ( Cluster::is_enabled() && Cluster::local_node_type() == Cluster::MANAGER )
event Cluster::node_up(name: string, id: string) &priority=-10
	{
	# A node that comes up gets every value set so far.
	if ( name in Cluster::nodes )
		for ( ID in option_cache )
			Cluster::publish(Cluster::node_topic(name), Config::cluster_set_option, ID,
			                 option_cache[ID]$val, option_cache[ID]$location);
	}
@endif

# An option's value as the log shows it: set and vector elements joined
# with commas, strings as they are, everything else as ``cat`` writes it.
function format_value(value: any) : string
	{
	local tn = type_name(value);
	local part: string_vec = vector();
	if ( /^set/ in tn && strstr(tn, ",") == 0 )
		{
		local vec = Option::any_set_to_any_vec(value);
		for ( sv in vec )
			part += cat(vec[sv]);
		return join_string_vec(part, ",");
		}
	else if ( /^vector/ in tn )
		{
		local vit: vector of any = value;
		for ( i in vit )
			part += cat(vit[i]);
		return join_string_vec(part, ",");
		}
	else if ( tn == "string" )
		return value;
	return cat(value);
	}

function config_option_changed(ID: string, new_value: any, location: string): any &is_used
	{
	# Changes made by zscript itself are not logged.
	if ( location == "<skip-config-log>" )
		return new_value;
	local log = Info($ts=network_time(), $id=ID, $old_value=format_value(lookup_ID(ID)),
	                 $new_value=format_value(new_value));
	if ( location != "" )
		log$location = location;
	Log::write(LOG, log);
	return new_value;
	}

event zeek_init() &priority=10
	{
	Log::create_stream(LOG, Log::Stream($columns=Info, $ev=log_config, $path="config", $policy=log_policy));
@if ( ! Cluster::is_enabled() || Cluster::local_node_type() == Cluster::MANAGER )
	# Log every option's changes, after the option's other handlers.
	for ( opt in global_options() )
		Option::set_change_handler(opt, config_option_changed, -100);
@endif
	}
