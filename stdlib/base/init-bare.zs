##! Declarations every script can use; loaded before any other script, also in
##! bare mode (Zeek's ``base/init-bare.zeek`` counterpart, reduced to what
##! zscript implements).

## A set of strings.
type string_set: set[string];
## A set of counts.
type count_set: set[count];
## A vector of strings.
type string_vec: vector of string;
## A vector of counts (indices).
type index_vec: vector of count;
## A vector of anything.
type any_vec: vector of any;
## A string-indexed table of anything.
type string_any_table: table[string] of any;
## A set of subnets.
type subnet_set: set[subnet];
## A set of addresses.
type addr_set: set[addr];
## A set of intervals.
type interval_set: set[interval];
## A vector of integers.
type int_vec: vector of int;
## A vector of doubles.
type double_vec: vector of double;
## A vector of subnets.
type subnet_vec: vector of subnet;
## A vector of addresses.
type addr_vec: vector of addr;
## A table of strings indexed by string.
type table_string_of_string: table[string] of string;
## A table of strings indexed by count.
type string_array: table[count] of string;
## A table of counts indexed by string.
type table_string_of_count: table[string] of count;

## A port's transport-layer protocol; see :zeek:id:`get_port_transport_proto`.
type transport_proto: enum {
	unknown_transport,	##< An unknown transport-layer protocol.
	tcp,	##< TCP.
	udp,	##< UDP.
	icmp,	##< ICMP.
};

## Describes one field of a record; see :zeek:id:`record_fields`.
type record_field: record {
	type_name: string;	##< The field's type.
	log: bool;	##< True if the field has the &log attribute.
	value: any &optional;	##< The field's value, if set.
	default_val: any &optional;	##< The field's default value, if any.
	optional: bool;	##< True if the field is &optional.
};

## What :zeek:id:`record_fields` returns: fields by name.
type record_field_table: table[string] of record_field;

## One attribute of a global identifier, as :zeek:id:`global_ids` reports it.
type script_id_attr: record {
	name: string;	##< The attribute, e.g. ``&redef``.
	expr: string &optional;	##< The text of its expression, if it has one.
};

## The attributes of a global identifier, in declaration order.
type script_id_attrs: vector of script_id_attr;

## What :zeek:id:`global_ids` knows about one global identifier or module.
type script_id: record {
	type_name: string;	##< The identifier's type (``module`` for a module).
	exported: bool;	##< Declared in an ``export`` block.
	constant: bool;	##< A constant (``const`` or an enumerator).
	enum_constant: bool;	##< An enumerator.
	option_value: bool;	##< An ``option``.
	redefinable: bool;	##< Declared with ``&redef``.
	broker_backend: bool;	##< A table with a ``&backend``.
	value: any &optional;	##< The current value, if it has one.
	attributes: script_id_attrs &optional;	##< Its attributes, if any.
};

## What :zeek:id:`global_ids` returns: identifiers (and ``module NAME``) by name.
type id_table: table[string] of script_id;

## What :zeek:id:`get_dns_stats` reports about DNS lookups.
type DNSStats: record {
	requests: count;	##< Lookups made.
	successful: count;	##< Lookups answered.
	failed: count;	##< Lookups that failed.
	pending: count;	##< Lookups in flight.
	cached_hosts: count;	##< Cached host names (zscript keeps no cache).
	cached_addresses: count;	##< Cached addresses.
	cached_texts: count;	##< Cached TXT answers.
	cached_total: count;	##< All cached entries.
};

## What :zeek:id:`rotate_file` and :zeek:id:`rotate_file_by_name` report.
type rotate_info: record {
	old_name: string;	##< The name the file had.
	new_name: string;	##< The name it was moved to.
	open: time;	##< When the file was opened.
	close: time;	##< When it was rotated.
};

## How :zeek:id:`anonymize_addr` rewrites the addresses of one class; a
## script picks one per class with the globals ``orig_addr_anonymization``,
## ``resp_addr_anonymization`` and ``other_addr_anonymization``.
type IPAddrAnonymization: enum {
	KEEP_ORIG_ADDR,	##< Leave the address as it is.
	SEQUENTIALLY_NUMBERED,	##< 0.0.0.2, 0.0.0.3, ... in order of first use.
	PREFIX_PRESERVING_A50,	##< tcpdpriv's prefix-preserving -A50 method.
	RANDOM_MD5 &deprecated="Remove in v9.1. Use the A50 or SHA256 anonymizers instead.",
	PREFIX_PRESERVING_MD5 &deprecated="Remove in v9.1. Use the A50 or SHA256 anonymizers instead.",
	RANDOM_SHA256,	##< The keyed SHA-256 digest of the address.
	PREFIX_PRESERVING_SHA256,	##< Prefix-preserving, from keyed SHA-256 digests.
};

## The role of an address given to :zeek:id:`anonymize_addr`.
type IPAddrAnonymizationClass: enum {
	ORIG_ADDR,	##< A connection's originator.
	RESP_ADDR,	##< A connection's responder.
	OTHER_ADDR,	##< Any other address.
};

## Seeds the hash functions of probabilistic data structures such as Bloom
## filters that are not given a name of their own; when empty, the process's
## random seed (Zeek's seed file, if any) is used.
const global_hash_seed: string = "" &redef;

## One type :zeek:id:`file_magic` recognized in some data.
type mime_match: record {
	strength: int;	##< How specific the match is; the larger, the more.
	mime: string;	##< The MIME type.
};

## Every type :zeek:id:`file_magic` recognized, strongest first.
type mime_matches: vector of mime_match;

## A function mapping a string to a string (:zeek:id:`from_json` key mappers).
type string_mapper: function(s: string): string;

## The default JSON key mapper function: the identity.
function from_json_default_key_mapper(s: string): string
	{
	return s;
	}

## What :zeek:id:`from_json` returns.
type from_json_result: record {
	v: any &optional;	##< The parsed value.
	valid: bool;	##< True if parsing was successful.
	err: string &optional;	##< The error message if it was not.
};

## The statistics of :zeek:id:`find_entropy` and :zeek:id:`entropy_test_finish`.
type entropy_test_result: record {
	entropy: double;	##< Information density.
	chi_square: double;	##< Chi-Square value.
	mean: double;	##< Arithmetic Mean.
	monte_carlo_pi: double;	##< Monte-carlo value for pi.
	serial_correlation: double;	##< Serial correlation coefficient.
};

## An FTP data endpoint, as parsed by :zeek:id:`parse_ftp_port` and friends.
type ftp_port: record {
	h: addr;	##< The host's address.
	p: port;	##< The host's port.
	valid: bool;	##< True if the text parsed correctly.
};

## The kind of change passed to an &on_change function.
type TableChange: enum {
	TABLE_ELEMENT_NEW,	##< An element was added.
	TABLE_ELEMENT_CHANGED,	##< An element's value changed.
	TABLE_ELEMENT_REMOVED,	##< An element was deleted.
	TABLE_ELEMENT_EXPIRED,	##< An element expired.
};

## Extra context distinguishing connections with equal endpoints (VLANs ...).
type conn_id_ctx: record {
};

## A connection's endpoints.
type conn_id: record {
	orig_h: addr &log;	##< The originator's address.
	orig_p: port &log;	##< The originator's port.
	resp_h: addr &log;	##< The responder's address.
	resp_p: port &log;	##< The responder's port.
	proto: count &default=65535;	##< The transport protocol (65535 if unknown).
	ctx: conn_id_ctx &log &default=conn_id_ctx();	##< Extra context.
};

## A connection, as far as scripts without a packet engine see one.
type connection: record {
	id: conn_id;	##< The endpoints.
	uid: string;	##< A unique identifier.
	start_time: time;	##< When the connection started.
	duration: interval;	##< How long it lasted.
	service: set[string];	##< Protocols seen.
	history: string;	##< State history.
};

## One argument of a function call (in a backtrace).
type call_argument: record {
	name: string;	##< The parameter's name.
	type_name: string;	##< The parameter's type.
	default_val: any &optional;	##< Its &default value, if any.
	value: any &optional;	##< The value passed.
};

## The arguments of one call.
type call_argument_vector: vector of call_argument;

## One frame of a script call stack.
type BacktraceElement: record {
	function_name: string;	##< The function running in this frame.
	function_args: call_argument_vector;	##< Its arguments.
	file_location: string &optional;	##< Where it was called from: file.
	line_location: count &optional;	##< Where it was called from: line.
};

## A script call stack, innermost frame first.
type Backtrace: vector of BacktraceElement;

## Called when an ``assert`` fails; ``break`` suppresses the error message.
global assertion_failure: hook(cond: string, msg: string, bt: Backtrace);

## Called for every ``assert`` with its result; ``break`` suppresses the message.
global assertion_result: hook(result: bool, cond: string, msg: string, bt: Backtrace);

## Keep running after the event queue drains, until terminate() is called.
const exit_only_after_terminate = F &redef;

## How often tables with expiration attributes are checked.
const table_expire_interval = 10 secs &redef;

## Delay between chunks of an expiration sweep (kept for compatibility).
const table_expire_delay = 0.01 secs &redef;

## Entries examined per expiration chunk (kept for compatibility).
const table_incremental_step = 5000 &redef;

## The first event: raised once all scripts are loaded.
global zeek_init: event();

## The last event: raised during shutdown.
global zeek_done: event();

## Raised once for each script file loaded, after zeek_init (``level``:
## how deeply the file was nested in ``@load``, 0 for the command line).
global zeek_script_loaded: event(path: string, level: count);

## Raised after zeek_init when network time is first set.
global network_time_init: event();

## Raised when processing ends, before zeek_done.
global net_done: event(t: time);

## Raised by ``Reporter::info`` (``location`` is "file, line N").
global reporter_info: event(t: time, msg: string, location: string);
## Raised by ``Reporter::warning``.
global reporter_warning: event(t: time, msg: string, location: string);
## Raised by ``Reporter::error``.
global reporter_error: event(t: time, msg: string, location: string);

## Something unusual that is not tied to a connection (Zeek's weirds, e.g.
## ``log_string_field_truncated`` from the logging framework): ``name`` says
## what, ``addl`` gives details, ``source`` where it was seen ("" if unknown).
## ``base/frameworks/notice/weird`` logs them to ``weird.log``.
global net_weird: event(name: string, addl: string, source: string);

## Whether network time follows the clock when no packets are read (Zeek's
## option of that name).  With F it stays where it is until
## :zeek:see:`set_network_time` moves it (for tests that control time).
const allow_network_time_forward = T &redef;

## Whether the process runs under a test suite: a few outputs (metric
## labels, for one) are made deterministic when it is set.
const running_under_test: bool = F &redef;

## How this process names itself in logs (the ``peer`` of ``weird.log``).
const peer_description = "zeek" &redef;

module EventMetadata;

export {
	## What a piece of event metadata is; add your own with ``redef enum``
	## and give each a type with :zeek:see:`EventMetadata::register`.
	type ID: enum {
		NETWORK_TIMESTAMP = 1,	##< The network time of the event (a ``time``).
	};

	## One piece of the current event's metadata.
	type Entry: record {
		id: EventMetadata::ID;	##< What it is.
		val: any;		##< Its value, of the type registered for ``id``.
	};

	## Whether every event carries its network timestamp: local events the
	## network time when they were queued (scheduled ones: when they were
	## due), published ones that of the event being handled, if it has one.
	const add_network_timestamp: bool = F &redef;

	## Whether events from other nodes that carry no network timestamp get
	## this node's network time on arrival (only with
	## :zeek:see:`EventMetadata::add_network_timestamp`; without, they stay
	## without one and ``current_event_time()`` is -1.0 for them).
	const add_missing_remote_network_timestamp: bool = F &redef;
}

module GLOBAL;

## The metadata of an event, as :zeek:see:`EventMetadata::current_all` lists it.
type event_metadata_vec: vector of EventMetadata::Entry;
## BPF filters, by a name of the script's choosing, of the packets to analyze:
## one of them must match (``base/frameworks/packet-filter`` builds the
## filter; zscript reads no packets, so it is only built).
global capture_filters: table[string] of string &redef;

## BPF filters that every analyzed packet must match, by name.
global restrict_filters: table[string] of string &redef;

## A BPF filter given on the command line, replacing the built one ("": none).
const cmd_line_bpf_filter = "" &redef;

module Broker;

export {
	## Where a table declared with ``&backend`` keeps its data.
	type BackendType: enum {
		MEMORY,	##< In memory, shared across the cluster.
		SQLITE,	##< In an SQLite file, shared and persistent.
	};
}

module GLOBAL;

# The cluster's types and the node's identity exist in every process, so that
# ``@if ( Cluster::local_node_type() == Cluster::MANAGER )`` works anywhere.
@load base/frameworks/supervisor/api
@load base/frameworks/cluster/types
@load base/frameworks/cluster/pubsub


## The send buffer of one Broker peering (:zeek:see:`Broker::peering_stats`).
type BrokerPeeringStats: record {
	## Messages waiting to be sent.
	num_queued: count;
	## The most that waited at once lately (see
	## :zeek:see:`Broker::buffer_stats_reset_interval`).
	max_queued_recently: count;
	## Messages the buffer had no room for (zscript's buffers grow: always 0).
	num_overflows: count;
};

## Peer endpoint id -> its send buffer.
type BrokerPeeringStatsTable: table[string] of BrokerPeeringStats;

# Broker data stores and the options of &backend tables exist in every
# process (Zeek loads base/frameworks/broker even with -b).
@load base/frameworks/broker

module Threading;

export {
	## How often (network time) threads such as input readers get a
	## heartbeat; readers look for changed files on it.
	const heartbeat_interval = 1.0 sec &redef;
}

module Reporter;

export {
	## The severity of a message (in :zeek:see:`Input::TableDescription`
	## ``$error_ev`` events, among others).
	type Level: enum {
		INFO = 0,	##< Informational.
		WARNING = 1,	##< A problem that was worked around.
		ERROR = 2,	##< A problem that stopped something.
	};
}

module GLOBAL;

## Joins interface names with a space (the ``&add_func`` of Zeek's
## ``interfaces``): the new name alone when there is none yet.
function add_interface(iold: string, inew: string): string
	{
	return iold == "" ? inew : fmt("%s %s", iold, inew);
	}

## Joins signature file names with a space, as :zeek:id:`add_interface`.
function add_signature_file(sold: string, snew: string): string
	{
	return sold == "" ? snew : cat(sold, " ", snew);
	}

## Parameters of :zeek:id:`str_smith_waterman`.
type sw_params: record {
	## The shortest common substring reported.
	min_strlen: count &default = 3;
	## 0: the single best alignment; 1: every alignment not covered by another.
	sw_variant: count &default = 0;
};

## Where a common substring found by :zeek:id:`str_smith_waterman` starts
## in one of the two strings.
type sw_align: record {
	str: string;	##< The whole string.
	index: count;	##< The substring's offset in it.
};

## The positions of a common substring, one per input string.
type sw_align_vec: vector of sw_align;

## A common substring found by :zeek:id:`str_smith_waterman`.
type sw_substring: record {
	str: string;	##< The substring.
	aligns: sw_align_vec;	##< Where it is in each input string.
	new: bool;	##< Whether it starts an alignment.
};

## What :zeek:id:`str_smith_waterman` returns.
type sw_substring_vec: vector of sw_substring;
