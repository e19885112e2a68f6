##! Analyzers by tag (Zeek's ``base/frameworks/analyzer``): their names,
##! which are disabled, and the ports scripts register them for.
##!
##! zscript analyzes no traffic, so this is bookkeeping that scripts can
##! read back (a script that registers ports or disables an analyzer for
##! Zeek runs unchanged); no connection is ever handed to an analyzer.

@load ./tags

module GLOBAL;

## A plugin component, as :zeek:see:`get_plugin_components` lists it.
type PluginComponent: record {
	## The name its plugin gives it.
	name: string;
	## The name in tags: upper case, other characters than letters and
	## digits made ``_``.
	canonical_name: string;
	## Its tag's name: the category, ``_`` and the canonical name.
	tag: string;
	enabled: bool;
};

type plugin_component_vec: vector of PluginComponent;

## The components of ``category`` (``ANALYZER``, ``PACKET_ANALYZER`` or
## ``FILE_ANALYZER``).
global get_plugin_components: function(category: string): plugin_component_vec;

module Analyzer;

export {
	## Analyzers that start disabled.
	option disabled_analyzers: set[Analyzer::Tag] = {} &redef;

	## The analyzer's name: ``HTTP`` for ``ANALYZER_HTTP``.
	global name: function(tag: Analyzer::Tag): string;

	## Is the analyzer enabled?
	global is_enabled: function(tag: Analyzer::Tag): bool;

	## Enables an analyzer; true (every tag names one).
	global enable_analyzer: function(tag: Analyzer::Tag): bool;

	## Disables an analyzer; true (every tag names one).
	global disable_analyzer: function(tag: Analyzer::Tag): bool;

	## Registers an analyzer for well-known ports; true.
	global register_for_ports: function(tag: Analyzer::Tag, ports: set[port]): bool;

	## Registers an analyzer for one port; true.
	global register_for_port: function(tag: Analyzer::Tag, p: port): bool;

	## The ports an analyzer is registered for.
	global registered_ports: function(tag: Analyzer::Tag): set[port];

	## The ports every analyzer is registered for.
	global all_registered_ports: function(): table[Analyzer::Tag] of set[port];
}

global disabled: set[Analyzer::Tag];
global ports: table[Analyzer::Tag] of set[port];

event zeek_init() &priority=5
	{
	for ( tag in disabled_analyzers )
		add disabled[tag];
	}

function name(tag: Analyzer::Tag): string
	{
	return sub(cat(tag), /^Analyzer::ANALYZER_/, "");
	}

function is_enabled(tag: Analyzer::Tag): bool
	{
	return tag !in disabled;
	}

function enable_analyzer(tag: Analyzer::Tag): bool
	{
	delete disabled[tag];
	return T;
	}

function disable_analyzer(tag: Analyzer::Tag): bool
	{
	add disabled[tag];
	return T;
	}

function register_for_port(tag: Analyzer::Tag, p: port): bool
	{
	if ( tag !in ports )
		ports[tag] = set();
	add ports[tag][p];
	return T;
	}

function register_for_ports(tag: Analyzer::Tag, ps: set[port]): bool
	{
	for ( p in ps )
		register_for_port(tag, p);
	return T;
	}

function registered_ports(tag: Analyzer::Tag): set[port]
	{
	return tag in ports ? ports[tag] : set();
	}

function all_registered_ports(): table[Analyzer::Tag] of set[port]
	{
	return ports;
	}

module GLOBAL;

function get_plugin_components(category: string): plugin_component_vec
	{
	local names: vector of string;
	switch ( category ) {
	case "ANALYZER":
		names = Analyzer::component_names;
		break;
	case "PACKET_ANALYZER":
		names = PacketAnalyzer::component_names;
		break;
	case "FILE_ANALYZER":
		names = Files::component_names;
		break;
	default:
		Reporter::error(fmt("Unknown category type: %s", category));
		return vector();
	}
	local result: plugin_component_vec;
	for ( _, n in names )
		{
		local canonical = to_upper(gsub(n, /[^A-Za-z0-9]/, "_"));
		local enabled = T;
		if ( category == "ANALYZER" )
			enabled = Analyzer::is_enabled(lookup_ID("Analyzer::ANALYZER_" + canonical) as Analyzer::Tag);
		result += PluginComponent($name=n, $canonical_name=canonical,
		                          $tag=fmt("%s_%s", category, canonical), $enabled=enabled);
		}
	return result;
	}
