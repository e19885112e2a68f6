##! Input streams: a stream reads a source with a reader and either fills a
##! table or set (:zeek:see:`Input::add_table`) or raises an event per line
##! (:zeek:see:`Input::add_event`).  Readers run on their own threads; what
##! they read arrives as events and table changes in the order it was read,
##! followed by :zeek:see:`Input::end_of_data` after each complete reading.

module Input;

export {
	## What happened to an entry, as passed to a stream's event and predicate.
	type Event: enum {
		EVENT_NEW = 0,	##< The entry is new.
		EVENT_CHANGED = 1,	##< The entry was read before with other values.
		EVENT_REMOVED = 2,	##< The entry is gone from the source.
	};

	## When a stream reads its source.
	type Mode: enum {
		## Once; again only on :zeek:see:`Input::force_update`.
		MANUAL = 0,
		## Again, completely, whenever the source changes.
		REREAD = 1,
		## Continuously: what is appended to the source is read as it comes.
		STREAM = 2,
	};

	## The readers.  Reader plugins add their own with ``redef enum``.
	type Reader: enum {
		READER_ASCII,	##< Zeek's tab-separated log format.
		READER_BENCHMARK,	##< Generated lines, for measurements.
		READER_BINARY,	##< The raw bytes of a file, in chunks.
		READER_CONFIG,	##< ``name value`` lines setting options.
		READER_RAW,	##< Lines of a file or of a command's output.
		READER_SQLITE,	##< The rows of an SQLite query.
	} &redef;

	## The reader of streams that do not name one.
	option default_reader = READER_ASCII;

	## The mode of streams that do not name one.
	option default_mode = MANUAL;

	## Column separator (one character); readers may have their own setting.
	const separator = "\t" &redef;

	## Separator of set and vector elements (one character).
	const set_separator = "," &redef;

	## What an empty field (empty string, set or vector) looks like.
	const empty_field = "(empty)" &redef;

	## What an unset field looks like.
	const unset_field = "-" &redef;

	## Whether a record field of a type readers cannot fill (file,
	## function) is tolerated when it is ``&optional``; it stays unset.
	const accept_unsupported_types = F &redef;

	## Describes a stream that fills a table or set.
	type TableDescription: record {
		## Where to read: for files, the path.
		source: string;
		## The reader.
		reader: Reader &default=default_reader;
		## When to read.
		mode: Mode &default=default_mode;
		## The stream's name, for :zeek:see:`Input::remove` and events.
		name: string;
		## The table or set to fill.
		destination: any;
		## The record type whose fields are the index columns.
		idx: any;
		## The record type whose fields are the value columns (tables only).
		val: any &optional;
		## With F, the single value field is the table's value, not a record.
		want_record: bool &default=T;
		## An event raised for each new, changed and removed entry:
		## ``(desc: TableDescription, tpe: Event, left: idx, right: val)``.
		ev: any &optional;
		## Decides whether a new, changed or removed entry takes effect.
		pred: function(typ: Input::Event, left: any, right: any): bool &optional;
		## An event for the stream's messages:
		## ``(desc: TableDescription, message: string, level: Reporter::Level)``.
		## After an error the stream is removed.
		error_ev: any &optional;
		## Settings for the reader.
		config: table[string] of string &default=table();
	};

	## Describes a stream that raises an event per line.
	type EventDescription: record {
		## Where to read: for files, the path.
		source: string;
		## The reader.
		reader: Reader &default=default_reader;
		## When to read.
		mode: Mode &default=default_mode;
		## The stream's name.
		name: string;
		## The record type whose fields are the columns.
		fields: any;
		## With T the event gets one record of ``fields``, with F one
		## argument per field.
		want_record: bool &default=T;
		## The event: ``(desc: EventDescription, tpe: Event, ...)``.
		ev: any;
		## An event for the stream's messages:
		## ``(desc: EventDescription, message: string, level: Reporter::Level)``.
		error_ev: any &optional;
		## Settings for the reader.
		config: table[string] of string &default=table();
	};

	## Describes a stream handing its data to file analysis.
	type AnalysisDescription: record {
		## Where to read.
		source: string;
		## The reader; it must deliver a stream of bytes.
		reader: Reader &default=READER_BINARY;
		## When to read.
		mode: Mode &default=default_mode;
		## The stream's name.
		name: string;
		## Settings for the reader.
		config: table[string] of string &default=table();
	};

	## Starts a stream that fills a table or set; F if the description is wrong.
	global add_table: function(description: Input::TableDescription) : bool;

	## Starts a stream that raises events; F if the description is wrong.
	global add_event: function(description: Input::EventDescription) : bool;

	## Starts a stream for file analysis.
	global add_analysis: function(description: Input::AnalysisDescription) : bool;

	## Stops and removes the stream named ``id``; F if there is none.
	global remove: function(id: string) : bool;

	## Makes the stream named ``id`` read its source again now.
	global force_update: function(id: string) : bool;

	## Raised after each complete reading of a source (and for an event
	## stream, after each reading of it).
	global end_of_data: event(name: string, source: string);
}

function add_table(description: Input::TableDescription) : bool
	{
	return __create_table_stream(description);
	}

function add_event(description: Input::EventDescription) : bool
	{
	return __create_event_stream(description);
	}

function add_analysis(description: Input::AnalysisDescription) : bool
	{
	return __create_analysis_stream(description);
	}

function remove(id: string) : bool
	{
	return __remove_stream(id);
	}

function force_update(id: string) : bool
	{
	return __force_update(id);
	}
