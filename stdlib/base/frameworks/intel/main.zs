##! Intelligence: indicators of known-bad things (addresses, networks,
##! domains, e-mail addresses ...) and matching what the scripts see against
##! them (Zeek's ``base/frameworks/intel``).
##!
##! Indicators come from files (:zeek:see:`Intel::read_files`, read through
##! the input framework) or from :zeek:see:`Intel::insert`; each carries
##! metadata per source, so the same indicator from two sources is two
##! items.  Scripts report what they see with :zeek:see:`Intel::seen`; a
##! seen value that is a known indicator (an address also matches every
##! network indicator holding it) raises :zeek:see:`Intel::match` with the
##! matching items and writes ``intel.log``.
##!
##! The process that holds the *full data* (the indicators and their
##! metadata) is the standalone process or the cluster's manager; workers
##! hold only the indicators (``min_data_store``) and ask the manager for
##! the items when they see one (``cluster.zs``).  With
##! :zeek:see:`Intel::item_expiration` set, an indicator not re-inserted for
##! that long expires when an :zeek:see:`Intel::item_expired` handler breaks.

@load base/frameworks/logging
@load base/utils/site

module Intel;

export {
	redef enum Log::ID += { LOG };

	## A policy hook for ``intel.log``.
	global log_policy: Log::PolicyHook;

	## Kinds of indicators.
	type Type: enum {
		ADDR,	##< An IP address.
		SUBNET,	##< A network.
		URL,	##< A URL (without the scheme).
		SOFTWARE,	##< A software name.
		EMAIL,	##< An e-mail address.
		DOMAIN,	##< A DNS domain name.
		USER_NAME,	##< A user name.
		CERT_HASH,	##< A certificate's hash.
		PUBKEY_HASH,	##< A public key's hash.
	};

	## A set of indicator kinds.
	type TypeSet: set[Type];

	## What a source says about an indicator.
	type MetaData: record {
		## The source (one item per indicator and source).
		source: string;
		## What the indicator is.
		desc: string &optional;
		## Where to read more.
		url: string &optional;
	};

	## An indicator with one source's metadata.
	type Item: record {
		indicator: string;
		indicator_type: Type;
		meta: MetaData;
	};

	## Where something was seen (scripts add places).
	type Where: enum {
		## Anywhere.
		IN_ANYWHERE,
	};

	## Something seen.
	type Seen: record {
		## The value and its kind (for an address: use ``$host``).
		indicator: string &log &optional;
		indicator_type: Type &log &optional;
		## An address seen.
		host: addr &optional;
		## Where it was seen.
		where: Where &log;
		## The node that saw it.
		node: string &optional &log;
		## The connection it was seen in.
		conn: connection &optional;
		uid: string &optional;
	};

	## One line of ``intel.log``: a match.
	type Info: record {
		ts: time &log;
		## The connection the match was seen in.
		uid: string &log &optional;
		id: conn_id &log &optional;
		## What was seen.
		seen: Seen &log;
		## The kinds of the matching indicators.
		matched: TypeSet &log;
		## The matching items' sources.
		sources: set[string] &log &default=string_set();
	};

	## Adds an item (unless :zeek:see:`Intel::filter_item` breaks).
	global insert: function(item: Item);

	## Removes the item's source from its indicator, and the indicator
	## when no source is left (or ``purge_indicator``).
	global remove: function(item: Item, purge_indicator: bool &default=F);

	## Reports something seen.
	global seen: function(s: Seen);

	## ``s`` matched ``items``.
	global match: event(s: Seen, items: set[Item]);

	## Fills a match's log line (``break``: do not log it).
	global extend_match: hook(info: Info, s: Seen, items: set[Item]);

	## Runs for everything seen (``found``: it is an indicator);
	## ``break``: no match.
	global seen_policy: hook(s: Seen, found: bool);

	## How long an indicator lives without being inserted again (negative:
	## for ever).
	const item_expiration = -1min &redef;

	## An indicator's time is up: it is removed when a handler breaks,
	## else kept another :zeek:see:`Intel::item_expiration`
	## (``policy/frameworks/intel/do_expire`` breaks).
	global item_expired: hook(indicator: string, indicator_type: Type, metas: set[MetaData]);

	## Runs for each item inserted (``break``: drop it).
	global filter_item: hook(item: Intel::Item);

	## A new indicator is known to this process.
	global indicator_inserted: hook(indicator: string, indiator_type: Type);

	## An indicator is no longer known to this process.
	global indicator_removed: hook(indicator: string, indiator_type: Type);

	## Raised for each line of ``intel.log``.
	global log_intel: event(rec: Info);
}

## A worker asks the manager for the items matching ``s``.
global match_remote: event(s: Seen) &is_used;
## A new item (or a new source of an indicator) was inserted.
global new_item: event(item: Item) &is_used;
## A worker asks the manager to remove an item.
global remove_item: event(item: Item, purge_indicator: bool) &is_used;
## An indicator was removed from the full data: drop it everywhere.
global remove_indicator: event(item: Item);

## Whether this process holds the items' metadata (the manager or a
## standalone process), not just the indicators.
const have_full_data = T &redef;

## One indicator's metadata, by source.
type MetaDataTable: table[string] of MetaData;

global expire_host_data: function(data: table[addr] of MetaDataTable, idx: addr): interval;
global expire_subnet_data: function(data: table[subnet] of MetaDataTable, idx: subnet): interval;
global expire_string_data: function(data: table[string, Type] of MetaDataTable, indicator: string,
                                    indicator_type: Type): interval;

## The full data: indicators and their metadata.
type DataStore: record {
	host_data: table[addr] of MetaDataTable &write_expire=item_expiration
		&expire_func=expire_host_data;
	subnet_data: table[subnet] of MetaDataTable &write_expire=item_expiration
		&expire_func=expire_subnet_data;
	string_data: table[string, Type] of MetaDataTable &write_expire=item_expiration
		&expire_func=expire_string_data;
};
global data_store: DataStore &redef;

## Just the indicators (what a worker holds).
type MinDataStore: record {
	host_data: set[addr];
	subnet_data: set[subnet];
	string_data: set[string, Type];
};
global min_data_store: MinDataStore &redef;

event zeek_init() &priority=5
	{
	Log::create_stream(LOG, Log::Stream($columns=Info, $ev=log_intel, $path="intel",
	                                     $policy=log_policy));
	}

# --------------------------------------------------------------- expiry

# How long an expiring indicator lives on (0: it goes).
function expire_item(indicator: string, indicator_type: Type, metas: set[MetaData]): interval
	{
	# A handler that breaks lets it go; else it is kept another round.
	if ( hook item_expired(indicator, indicator_type, metas) )
		return item_expiration;
	remove(Item($indicator=indicator, $indicator_type=indicator_type,
	            $meta=MetaData($source="")), T);
	return 0secs;
	}

function metas_of(t: MetaDataTable): set[MetaData]
	{
	local out: set[MetaData] = set();
	for ( _, md in t )
		add out[md];
	return out;
	}

function expire_host_data(data: table[addr] of MetaDataTable, idx: addr): interval
	{
	return expire_item(cat(idx), ADDR, metas_of(data[idx]));
	}

function expire_subnet_data(data: table[subnet] of MetaDataTable, idx: subnet): interval
	{
	return expire_item(cat(idx), SUBNET, metas_of(data[idx]));
	}

function expire_string_data(data: table[string, Type] of MetaDataTable, indicator: string,
                            indicator_type: Type): interval
	{
	return expire_item(indicator, indicator_type, metas_of(data[indicator, indicator_type]));
	}

# ------------------------------------------------------------- matching

## Whether ``s`` is a known indicator (in whichever store this process has).
function find(s: Seen): bool
	{
	if ( s?$host )
		{
		if ( have_full_data )
			return s$host in data_store$host_data ||
			       |matching_subnets(s$host as subnet, data_store$subnet_data)| > 0;
		return s$host in min_data_store$host_data ||
		       |matching_subnets(s$host as subnet, min_data_store$subnet_data)| > 0;
		}
	local key = to_lower(s$indicator);
	if ( have_full_data )
		return [key, s$indicator_type] in data_store$string_data;
	return [key, s$indicator_type] in min_data_store$string_data;
	}

## The items matching ``s`` (only where the full data is).
function get_items(s: Seen): set[Item]
	{
	local out: set[Item] = set();
	if ( ! have_full_data )
		{
		Reporter::warning(fmt("Intel::get_items was called from a host (%s) that doesn't have the full data.",
		                      peer_description));
		return out;
		}
	if ( s?$host )
		{
		if ( s$host in data_store$host_data )
			for ( _, md in data_store$host_data[s$host] )
				add out[Item($indicator=cat(s$host), $indicator_type=ADDR, $meta=md)];
		local nets: table[subnet] of MetaDataTable =
			filter_subnet_table(s$host as subnet, data_store$subnet_data);
		for ( net, mt in nets )
			for ( _, md in mt )
				add out[Item($indicator=cat(net), $indicator_type=SUBNET, $meta=md)];
		return out;
		}
	local key = to_lower(s$indicator);
	if ( [key, s$indicator_type] in data_store$string_data )
		for ( _, md in data_store$string_data[key, s$indicator_type] )
			add out[Item($indicator=s$indicator, $indicator_type=s$indicator_type, $meta=md)];
	return out;
	}

function seen(s: Seen)
	{
	local found = find(s);
	if ( ! hook seen_policy(s, found) || ! found )
		return;
	if ( s?$host )
		{
		s$indicator = cat(s$host);
		s$indicator_type = ADDR;
		}
	if ( ! s?$node )
		s$node = peer_description;
	if ( have_full_data )
		event Intel::match(s, get_items(s));
	else
		event Intel::match_remote(s);
	}

event Intel::match(s: Seen, items: set[Item]) &priority=5
	{
	local info = Info($ts=network_time(), $seen=s, $matched=TypeSet());
	if ( hook extend_match(info, s, items) )
		Log::write(LOG, info);
	}

hook extend_match(info: Info, s: Seen, items: set[Item]) &priority=5
	{
	if ( s?$conn )
		{
		s$uid = s$conn$uid;
		info$id = s$conn$id;
		}
	if ( s?$uid )
		info$uid = s$uid;
	for ( item in items )
		{
		add info$sources[item$meta$source];
		add info$matched[item$indicator_type];
		}
	}

# ------------------------------------------------ inserting and removing

# The metadata table of the item's indicator in the full data (empty if
# it is new).  Writing the entry again restarts its expiry.
function meta_table(item: Item): MetaDataTable
	{
	switch ( item$indicator_type )
		{
		case ADDR:
			local host = to_addr(item$indicator);
			data_store$host_data[host] = host in data_store$host_data ?
				data_store$host_data[host] : MetaDataTable();
			return data_store$host_data[host];
		case SUBNET:
			local net = to_subnet(item$indicator);
			data_store$subnet_data[net] = check_subnet(net, data_store$subnet_data) ?
				data_store$subnet_data[net] : MetaDataTable();
			return data_store$subnet_data[net];
		default:
			local key = to_lower(item$indicator);
			local t = item$indicator_type;
			data_store$string_data[key, t] = [key, t] in data_store$string_data ?
				data_store$string_data[key, t] : MetaDataTable();
			return data_store$string_data[key, t];
		}
	}

## Whether the full data holds the item's indicator.
function in_full_data(item: Item): bool
	{
	switch ( item$indicator_type )
		{
		case ADDR:
			return to_addr(item$indicator) in data_store$host_data;
		case SUBNET:
			return to_subnet(item$indicator) in data_store$subnet_data;
		default:
			return [to_lower(item$indicator), item$indicator_type] in data_store$string_data;
		}
	}

## Whether the indicator store holds the item's indicator.
function in_min_data(item: Item): bool
	{
	switch ( item$indicator_type )
		{
		case ADDR:
			return to_addr(item$indicator) in min_data_store$host_data;
		case SUBNET:
			return to_subnet(item$indicator) in min_data_store$subnet_data;
		default:
			return [to_lower(item$indicator), item$indicator_type] in min_data_store$string_data;
		}
	}

# The indicator as the hooks name it (lower case for strings).
function indicator_value(item: Item): string
	{
	switch ( item$indicator_type )
		{
		case ADDR:
			return cat(to_addr(item$indicator));
		case SUBNET:
			return cat(to_subnet(item$indicator));
		default:
			return to_lower(item$indicator);
		}
	}

## Adds the item's indicator to the indicator store (raising
## :zeek:see:`Intel::indicator_inserted` if it is new there).
function add_indicator(item: Item)
	{
	if ( in_min_data(item) )
		return;
	switch ( item$indicator_type )
		{
		case ADDR:
			add min_data_store$host_data[to_addr(item$indicator)];
			break;
		case SUBNET:
			add min_data_store$subnet_data[to_subnet(item$indicator)];
			break;
		default:
			add min_data_store$string_data[to_lower(item$indicator), item$indicator_type];
			break;
		}
	hook indicator_inserted(indicator_value(item), item$indicator_type);
	}

## Inserts an item that passed the filter; ``first_dispatch``: it is new
## here (not a copy another node sent), so :zeek:see:`Intel::new_item` may
## spread it.
function _insert(item: Item, first_dispatch: bool &default=T)
	{
	local is_new = T;
	if ( have_full_data )
		{
		local mt = meta_table(item);
		# New: the indicator was not known (a new source of a known one
		# only adds metadata).
		is_new = |mt| == 0;
		mt[item$meta$source] = item$meta;
		}
	add_indicator(item);
	if ( first_dispatch && is_new )
		event Intel::new_item(item);
	}

function insert(item: Item)
	{
	if ( hook filter_item(item) )
		_insert(item, T);
	}

function remove(item: Item, purge_indicator: bool)
	{
	if ( ! (have_full_data ? in_full_data(item) : in_min_data(item)) )
		{
		Reporter::info(fmt("Tried to remove non-existing item '%s' (%s).",
		                   item$indicator, item$indicator_type));
		return;
		}
	if ( ! have_full_data )
		{
		event Intel::remove_item(item, purge_indicator);
		return;
		}

	local mt = meta_table(item);
	delete mt[item$meta$source];
	if ( |mt| > 0 && ! purge_indicator )
		return;
	switch ( item$indicator_type )
		{
		case ADDR:
			delete data_store$host_data[to_addr(item$indicator)];
			break;
		case SUBNET:
			delete data_store$subnet_data[to_subnet(item$indicator)];
			break;
		default:
			delete data_store$string_data[to_lower(item$indicator), item$indicator_type];
			break;
		}
	event Intel::remove_indicator(item);
	}

event Intel::remove_indicator(item: Item)
	{
	if ( ! in_min_data(item) )
		return;
	switch ( item$indicator_type )
		{
		case ADDR:
			delete min_data_store$host_data[to_addr(item$indicator)];
			break;
		case SUBNET:
			delete min_data_store$subnet_data[to_subnet(item$indicator)];
			break;
		default:
			delete min_data_store$string_data[to_lower(item$indicator), item$indicator_type];
			break;
		}
	hook indicator_removed(indicator_value(item), item$indicator_type);
	}
