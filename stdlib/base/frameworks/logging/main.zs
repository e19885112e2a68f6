##! The logging framework's script interface (Zeek's ``Log`` module).
##!
##! A script declares a log *stream* with an enumerator of :zeek:type:`Log::ID`
##! and a record type whose ``&log`` fields are the columns, creates it with
##! :zeek:id:`Log::create_stream` and writes records with :zeek:id:`Log::write`::
##!
##!     module Foo;
##!     export {
##!         redef enum Log::ID += { LOG };
##!         type Info: record {
##!             ts: time &log;
##!             id: conn_id &log;   # logged as id.orig_h, id.orig_p, ...
##!             msg: string &log &optional;
##!         };
##!     }
##!     event zeek_init() { Log::create_stream(Foo::LOG, [$columns=Info, $path="foo"]); }
##!     ... Log::write(Foo::LOG, [$ts=network_time(), $id=c$id]);
##!
##! Each stream has *filters* (one named "default" after creation) that pick
##! the columns, the writer and the path; policy hooks may change or veto
##! records.  Writers are plugins (entry point group ``zscript.log_writers``);
##! the ASCII writer's options are in ``writers/ascii.zs``.  The work is done
##! by zscript's log manager (``zscript.logs``) through the ``Log::__*``
##! built-in functions.

## Time of day ("H:MM") that rotation intervals are aligned to; see
## :zeek:see:`Log::default_rotation_interval`.
const log_rotate_base_time = "0:00" &redef;

module Log;

export {
	## Identifies a log stream.  Scripts add their own with
	## ``redef enum Log::ID += { LOG };``; the enumerator's name gives the
	## default path (``Foo::LOG`` logs to ``foo``).
	type Log::ID: enum {
		## Placeholder.
		UNKNOWN,
		## ``print`` output redirected to a log (see :zeek:see:`Log::print_to_log`).
		PRINTLOG,
	};

	## The writer implementations.  ``WRITER_<NAME>`` selects the writer
	## registered as ``<name>`` in the ``zscript.log_writers`` entry points.
	type Writer: enum {
		## Zeek's ASCII writer: TSV files with a header, or JSON lines.
		WRITER_ASCII,
		## Discards everything.
		WRITER_NONE,
	};

	## Whether filters log locally by default (their ``log_local``).
	const enable_local_logging = T &redef;

	## Whether filters send their records to remote loggers by default
	## (their ``log_remote``); only has an effect in a cluster.
	const enable_remote_logging = T &redef;

	## The writer of filters that do not name one.
	const default_writer = WRITER_ASCII &redef;

	## The directory log files are written to; "" is the working directory.
	## Rotated files stay in it too unless :zeek:see:`Log::rotation_format_func`
	## returns another directory.
	const default_logdir = "" &redef;

	## Default separator between fields (writers may use their own).
	const separator = "\t" &redef;

	## Default separator between elements of sets and vectors.
	const set_separator = "," &redef;

	## Default text of empty strings and containers.
	const empty_field = "(empty)" &redef;

	## Default text of unset ``&optional`` fields.
	const unset_field = "-" &redef;

	## How often buffered records are handed to the writers (and, in a
	## cluster, sent to the loggers).  Zero disables the timer: records then
	## go out when a buffer is full, on :zeek:id:`Log::flush` and at shutdown.
	const flush_interval = 1.0 sec &redef;

	## Records a writer buffers before handing them on (one batch).
	const write_buffer_size = 1000 &redef;

	## Default limits on what one record may log (the ``max_*`` fields of
	## :zeek:type:`Log::Stream`; 0 means no limit).  A string longer than
	## the limit is cut; once a record's strings reach the total, further
	## strings are logged empty.  Containers likewise, by elements.  Each
	## cut is reported as a weird (``log_string_field_truncated`` or
	## ``log_container_field_truncated``, with the stream's name) and counted
	## in the metrics ``zeek_log_writer_truncated_{string_fields,containers}``.
	const default_max_field_string_bytes = 4096 &redef;

	## See :zeek:see:`Log::default_max_field_string_bytes`.
	const default_max_total_string_bytes = 256000 &redef;

	## See :zeek:see:`Log::default_max_field_string_bytes`.
	const default_max_field_container_elements = 100 &redef;

	## See :zeek:see:`Log::default_max_field_string_bytes`.
	const default_max_total_container_elements = 500 &redef;

	## Largest log record written, in bytes as Zeek counts them once the
	## limits above cut strings and containers (strings by their bytes,
	## numbers 8 each ...).  A bigger record is not written; a
	## ``log_record_too_large`` weird names the stream.
	const max_log_record_size = 1024 * 1024 * 64 &redef;

	## Computes the path of filters that set neither ``path`` nor
	## ``path_func``.  The default derives it from the stream's ID:
	## ``Foo::LOG`` gives "foo", ``FooBar::LOG`` "foo_bar", ``Foo::BAR_LOG``
	## "foo_bar", an ID outside a module its lower-cased name.
	##
	## id: the stream.
	##
	## path: the filter's path, or the function's previous result ("" at first).
	##
	## rec: the record being written.
	##
	## Returns: the path to write to.
	global default_path_func: function(id: ID, path: string, rec: any) : string &redef;

	## What rotation postprocessors are told about a rotated file.
	type RotationInfo: record {
		writer: Writer;	##< The writer.
		fname: string;	##< The rotated file's new name.
		path: string;	##< The path it was written to.
		open: time;	##< When it was opened.
		close: time;	##< When it was closed.
		terminating: bool;	##< True if rotated because the process ends.
	};

	## A rotation postprocessor; returning F stops the writer.
	type RotationPostProcessorFunc: function(info: Log::RotationInfo): bool;

	## What :zeek:see:`Log::rotation_format_func` is told about a file to rotate.
	type RotationFmtInfo: record {
		writer: Writer;	##< The writer.
		path: string;	##< The path written to.
		open: time;	##< When the file was opened.
		close: time;	##< When it is closed.
		terminating: bool;	##< True if rotated because the process ends.
		## The postprocessor that will run after the rotation.
		postprocessor: RotationPostProcessorFunc &optional;
	};

	## Rotation interval of filters that do not set ``interv``; zero (the
	## default) disables rotation.  Files rotate at multiples of the interval
	## after :zeek:see:`log_rotate_base_time`, and once more at shutdown.
	const default_rotation_interval = 0secs &redef;

	## Default directory of rotated files (the ``dir`` of
	## :zeek:type:`Log::RotationPath`); "" uses :zeek:see:`Log::default_logdir`.
	option default_rotation_dir = "";

	## Where a rotated file goes, as returned by :zeek:see:`Log::rotation_format_func`.
	type RotationPath: record {
		## Directory (created when needed); "" for the log directory.
		dir: string &default = default_rotation_dir;
		## File name without the writer's extension.
		file_basename: string;
	};

	## Names rotated files.  The default gives ``<path>.<open time>`` (with
	## :zeek:see:`Log::default_rotation_date_format`) for the ASCII writer with
	## its default postprocessor, ``<path>-<yy-mm-dd_HH.MM.SS>`` otherwise.
	const rotation_format_func: function(ri: RotationFmtInfo): RotationPath &redef;

	## ``strftime`` format of the open time in rotated file names.
	const default_rotation_date_format = "%Y-%m-%d-%H-%M-%S" &redef;

	## Shell command run on each rotated file ("" for none), with arguments
	## ``<file> <path> <open> <close> <terminating> <writer>``.
	const default_rotation_postprocessor_cmd = "" &redef;

	## Environment of :zeek:see:`Log::default_rotation_postprocessor_cmd`
	## (names get the prefix ``ZEEK_ARG_``).
	option default_rotation_postprocessor_cmd_env: table[string] of string = {};

	## The postprocessor of each writer, for filters without their own.
	const default_rotation_postprocessors: table[Writer] of function(info: RotationInfo) : bool &redef;

	## Default column renaming of filters (``field_name_map``).
	const default_field_name_map: table[string] of string = table() &redef;

	## Default separator between the names of nested record fields
	## (``id.orig_h``).
	const default_scope_sep = "." &redef;

	## Default prefix of extension columns.
	const default_ext_prefix = "_" &redef;

	## Default extension function: adds no columns.  A filter's ``ext_func``
	## returning a record adds that record's ``&log`` fields as columns
	## (prefixed with ``ext_prefix``) in front of every row.
	const default_ext_func: function(path: string): any = function(path: string) { } &redef;

	## How a stream's records are written.
	type Filter: record {
		## Name, unique per stream ("default" for the one created with it).
		name: string;

		## The writer.
		writer: Writer &default=default_writer;

		## The output path (the writer adds an extension: "conn" is
		## ``conn.log``).  A path another filter already writes to with the
		## same writer is changed to ``<path>-2`` (``-3`` ...) with a warning.
		path: string &optional;

		## Computes the path for each record; see :zeek:see:`Log::default_path_func`.
		## Its first result becomes the filter's ``path``.
		path_func: function(id: ID, path: string, rec: any): string &optional;

		## Columns to log (flattened names such as ``id.orig_h``); all if unset.
		include: set[string] &optional;

		## Columns not to log.
		exclude: set[string] &optional;

		## Whether records are written locally.
		log_local: bool &default=enable_local_logging;

		## Whether records are sent to remote loggers (cluster).
		log_remote: bool &default=enable_remote_logging;

		## Column renaming: flattened name -> name written.
		field_name_map: table[string] of string &default=default_field_name_map;

		## Separator of nested field names.
		scope_sep: string &default=default_scope_sep;

		## Prefix of extension columns.
		ext_prefix: string &default=default_ext_prefix;

		## Function returning the extension columns' record.
		ext_func: function(path: string): any &default=default_ext_func;

		## Rotation interval (zero: no rotation).
		interv: interval &default=default_rotation_interval;

		## Postprocessor of rotated files; the writer's default if unset.
		postprocessor: function(info: RotationInfo) : bool &optional;

		## Writer settings (for the ASCII writer, any ``LogAscii`` option by
		## name, plus ``tsv``).
		config: table[string] of string &default=table();
	};

	## The type of :zeek:see:`Log::log_stream_policy`: runs once per write;
	## a ``break`` vetoes the write for all filters.
	type StreamPolicyHook: hook(rec: any, id: ID);

	## The type of a stream's or filter's policy hook: runs for each filter
	## of each write and may change the record; a ``break`` keeps the record
	## out of this filter.
	type PolicyHook: hook(rec: any, id: ID, filter: Filter);

	redef record Filter += {
		## Policy hook of this filter; the stream's if unset.
		policy: PolicyHook &optional;
	};

	## A stream's definition.
	type Stream: record {
		## The record type of the stream's records (its ``&log`` fields are the columns).
		columns: any;

		## An event raised with every record written (before policy hooks run).
		ev: any &optional;

		## The path of filters that set none.
		path: string &optional;

		## The policy hook of filters that set none.
		policy: PolicyHook &optional;

		## Longest string logged (bytes).
		max_field_string_bytes: count &default=Log::default_max_field_string_bytes;

		## Most string bytes logged per record.
		max_total_string_bytes: count &default=Log::default_max_total_string_bytes;

		## Most elements logged per set or vector.
		max_field_container_elements: count &default=Log::default_max_field_container_elements;

		## Most set and vector elements logged per record.
		max_total_container_elements: count &default=Log::default_max_total_container_elements;
	};

	## What :zeek:id:`Log::get_filter` returns for an unknown filter.
	const no_filter = Filter($name="<not found>");

	## Creates a stream (replacing one with the same ID) with a filter named
	## "default".
	##
	## Returns: T on success.
	global create_stream: function(id: ID, stream: Stream) : bool;

	## Removes a stream and closes its files.
	global remove_stream: function(id: ID) : bool;

	## Enables a stream disabled with :zeek:id:`Log::disable_stream`.
	global enable_stream: function(id: ID) : bool;

	## Disables a stream: writes to it are ignored (and return T).
	global disable_stream: function(id: ID) : bool;

	## Adds a filter to a stream, replacing the filter of the same name.  A
	## filter without ``path`` takes the stream's; without either it gets
	## :zeek:see:`Log::default_path_func`.
	global add_filter: function(id: ID, filter: Filter) : bool;

	## Removes the filter ``name`` (T also if there is none).
	global remove_filter: function(id: ID, name: string) : bool;

	## The names of a stream's filters.
	global get_filter_names: function(id: ID) : set[string];

	## A stream's filter by name, or :zeek:see:`Log::no_filter`.
	global get_filter: function(id: ID, name: string) : Filter;

	## Writes a record to a stream.  The record is coerced to the stream's
	## ``columns`` type (fields with defaults filled in).
	##
	## Returns: F if the stream does not exist, else T (also when disabled).
	global write: function(id: ID, columns: any) : bool;

	## Turns buffering of the stream's writers on or off.
	global set_buf: function(id: ID, buffered: bool): bool;

	## Hands on buffered records of the stream and flushes its writers.
	global flush: function(id: ID): bool;

	## Adds the filter named "default" to a stream.
	global add_default_filter: function(id: ID) : bool;

	## Removes the filter named "default".
	global remove_default_filter: function(id: ID) : bool;

	## Runs :zeek:see:`Log::default_rotation_postprocessor_cmd` on a rotated
	## file (for postprocessor functions).
	##
	## npath: the file's path.
	##
	## Returns: T.
	global run_rotation_postprocessor_cmd: function(info: RotationInfo, npath: string) : bool;

	## The streams that exist and are enabled.  Read-only.
	global active_streams: table[ID] of Stream = table();

	## Runs for every write before the filters' hooks; a ``break`` vetoes the
	## write (filter hooks still run but cannot undo the veto).
	global log_stream_policy: Log::StreamPolicyHook;

	## One line of the print log: a redirected ``print``.
	type PrintLogInfo: record {
		ts: time &log;	##< When it was printed (network time).
		vals: string_vec &log;	##< The printed values, as ``print`` shows each.
	};

	## Which ``print`` statements write to the print log instead.
	type PrintLogType: enum {
		REDIRECT_NONE,	##< None: ``print`` prints.
		REDIRECT_STDOUT,	##< Those that would print to standard output.
		REDIRECT_ALL,	##< Every one, also into files (the file is the first value).
	};

	## Whether ``print`` output goes to the print log (read when the run starts).
	const print_to_log: PrintLogType = REDIRECT_NONE &redef;

	## The path of the print log.
	const print_log_path = "print" &redef;

	## Raised for each line of the print log.
	global log_print: event(rec: PrintLogInfo);
}

# All streams, also disabled ones.
global all_streams: table[ID] of Stream = table();

# Filter names by stream, and the filters themselves.
global stream_filters: table[ID] of set[string] = table();
global filters: table[ID, string] of Filter;

# The postprocessor of files whose filter has none (called by the manager).
function __default_rotation_postprocessor(info: RotationInfo) : bool
	{
	if ( info$writer in default_rotation_postprocessors )
		return default_rotation_postprocessors[info$writer](info);
	return T;
	}

function default_path_func(id: ID, path: string, rec: any) : string
	{
	if ( path != "" )
		return path;

	local id_str = fmt("%s", id);
	local parts = split_string1(id_str, /::/);
	if ( |parts| != 2 )
		return to_lower(id_str);

	if ( parts[1] == "LOG" )
		{
		# CamelCase module names become snake_case: FooBar -> foo_bar.
		local mp = split_string_all(parts[0], /[^A-Z][A-Z][a-z]*/);
		local out = "";
		if ( 0 in mp )
			out = mp[0];
		if ( 1 in mp && mp[1] != "" )
			out = cat(out, sub_bytes(mp[1], 1, 1), "_", sub_bytes(mp[1], 2, |mp[1]|));
		if ( 2 in mp && mp[2] != "" )
			out = cat(out, "_", mp[2]);
		if ( 3 in mp && mp[3] != "" )
			out = cat(out, sub_bytes(mp[3], 1, 1), "_", sub_bytes(mp[3], 2, |mp[3]|));
		return to_lower(out);
		}

	local name = parts[1];
	if ( /_LOG$/ in name )
		name = sub(name, /_LOG$/, "");
	return cat(to_lower(parts[0]), "_", to_lower(name));
	}

function run_rotation_postprocessor_cmd(info: RotationInfo, npath: string) : bool
	{
	local cmd = default_rotation_postprocessor_cmd;
	if ( cmd == "" )
		return T;

	local writer = subst_string(to_lower(fmt("%s", info$writer)), "log::writer_", "");
	Log::__run_postprocessor_cmd(fmt("%s %s %s %s %s %d %s", cmd, safe_shell_quote(npath),
	                                 safe_shell_quote(info$path),
	                                 strftime("%y-%m-%d_%H.%M.%S", info$open),
	                                 strftime("%y-%m-%d_%H.%M.%S", info$close),
	                                 info$terminating ? 1 : 0, writer),
	                             default_rotation_postprocessor_cmd_env);
	return T;
	}

# The ASCII writer's default postprocessor: the shell command, if any.
function default_ascii_rotation_postprocessor_func(info: RotationInfo) : bool
	{
	return run_rotation_postprocessor_cmd(info, info$fname);
	}

redef default_rotation_postprocessors += {
	[WRITER_ASCII] = default_ascii_rotation_postprocessor_func,
};

function rotation_format_func(ri: RotationFmtInfo) : RotationPath
	{
	if ( ri?$postprocessor && ri$postprocessor == __default_rotation_postprocessor &&
	     ri$writer == WRITER_ASCII && WRITER_ASCII in default_rotation_postprocessors &&
	     default_rotation_postprocessors[WRITER_ASCII] == default_ascii_rotation_postprocessor_func )
		return RotationPath($file_basename=fmt("%s.%s", ri$path,
		                    strftime(default_rotation_date_format, ri$open)));

	return RotationPath($file_basename=fmt("%s-%s", ri$path,
	                    strftime("%y-%m-%d_%H.%M.%S", ri$open)));
	}

function create_stream(id: ID, stream: Stream) : bool
	{
	if ( ! __create_stream(id, stream) )
		return F;

	active_streams[id] = stream;
	all_streams[id] = stream;
	return add_default_filter(id);
	}

function remove_stream(id: ID) : bool
	{
	delete active_streams[id];
	delete all_streams[id];

	if ( id in stream_filters )
		{
		for ( name in stream_filters[id] )
			delete filters[id, name];
		delete stream_filters[id];
		}

	return __remove_stream(id);
	}

function disable_stream(id: ID) : bool
	{
	delete active_streams[id];
	return __disable_stream(id);
	}

function enable_stream(id: ID) : bool
	{
	if ( ! __enable_stream(id) )
		return F;

	if ( id in all_streams )
		active_streams[id] = all_streams[id];
	return T;
	}

function add_filter(id: ID, filter: Filter) : bool
	{
	if ( id !in all_streams )
		return F;

	local stream = all_streams[id];

	if ( stream?$path && ! filter?$path )
		filter$path = stream$path;

	if ( ! filter?$path && ! filter?$path_func )
		filter$path_func = default_path_func;

	if ( ! __add_filter(id, filter) )
		return F;

	if ( id !in stream_filters )
		stream_filters[id] = set();
	add stream_filters[id][filter$name];
	filters[id, filter$name] = filter;
	return T;
	}

function remove_filter(id: ID, name: string) : bool
	{
	if ( id in stream_filters )
		delete stream_filters[id][name];

	delete filters[id, name];
	return __remove_filter(id, name);
	}

function get_filter(id: ID, name: string) : Filter
	{
	if ( [id, name] in filters )
		return filters[id, name];

	return no_filter;
	}

function get_filter_names(id: ID) : set[string]
	{
	if ( id in stream_filters )
		return stream_filters[id];

	return set();
	}

function write(id: ID, columns: any) : bool
	{
	return __write(id, columns);
	}

function set_buf(id: ID, buffered: bool) : bool
	{
	return __set_buf(id, buffered);
	}

function flush(id: ID) : bool
	{
	return __flush(id);
	}

function add_default_filter(id: ID) : bool
	{
	return add_filter(id, Filter($name="default"));
	}

function remove_default_filter(id: ID) : bool
	{
	return remove_filter(id, "default");
	}

event zeek_init() &priority=5
	{
	if ( print_to_log != REDIRECT_NONE )
		create_stream(PRINTLOG, Stream($columns=PrintLogInfo, $ev=log_print, $path=print_log_path));
	}
