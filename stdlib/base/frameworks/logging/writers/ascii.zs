##! Options of the ASCII writer (``Log::WRITER_ASCII``, zscript's
##! ``zscript.logs.writers.ascii``): Zeek's TSV log format with a ``#`` header,
##! or one JSON object per line.
##!
##! Every option can also be set per filter in its ``$config`` table, by name
##! and as a string (booleans as "T" or "F"); the key ``tsv`` = "T" writes a
##! plain TSV file whose only header line holds the column names::
##!
##!     Log::add_filter(Foo::LOG, [$name="plain", $path="foo-plain",
##!                                $config=table(["tsv"] = "T")]);

@ifndef ( JSON::TimestampFormat )
module JSON;

export {
	## How JSON logs render times.
	type TimestampFormat: enum {
		## Seconds since the epoch, as a number.
		TS_EPOCH,
		## Milliseconds since the epoch, as an integer.
		TS_MILLIS,
		## Milliseconds since the epoch, as an unsigned integer.
		TS_MILLIS_UNSIGNED,
		## ISO 8601 text with microseconds, UTC (``2008-07-09T16:13:30.543210Z``).
		TS_ISO8601,
	};

	## How JSON logs render bytes that are not valid UTF-8.
	type StringEscapePolicy: enum {
		## ``\xNN`` escapes (the only policy zscript implements).
		STRING_ESCAPE_POLICY_HEX,
		## Private-use code points (not implemented).
		STRING_ESCAPE_POLICY_PUA,
		## The TSV writer's escaping (not implemented).
		STRING_ESCAPE_POLICY_TSV,
	};
}
@endif

module LogAscii;

export {
	## Write to standard output instead of files (for debugging).
	const output_to_stdout = F &redef;

	## Write JSON lines instead of TSV (no header lines then).
	const use_json = F &redef;

	## Rotate, when starting, the logs a previous process left behind
	## without rotating them (it crashed or was killed).  Logs written with
	## a rotation interval have a shadow file (``.shadow.conn.log``) while
	## they are open; a shadow file found at start-up marks a leftover log,
	## which is renamed as a rotation would and handed to its postprocessor.
	const enable_leftover_log_rotation = F &redef;

	## Compress logs with gzip at this level (1-9); 0 writes plain text.
	const gzip_level = 0 &redef;

	## Extension of compressed logs, after the log extension (``conn.log.gz``).
	const gzip_file_extension = "gz" &redef;

	## Keep valid UTF-8 in TSV strings instead of escaping it.
	const enable_utf_8 = T &redef;

	## Rendering of times in JSON.
	const json_timestamps: JSON::TimestampFormat = JSON::TS_EPOCH &redef;

	## Write unset fields to JSON as ``null`` instead of leaving them out.
	const json_include_unset_fields = F &redef;

	## Escaping of non-UTF-8 bytes in JSON strings.
	const json_string_escape_policy = JSON::STRING_ESCAPE_POLICY_HEX &redef;

	## Write the ``#`` header lines and the ``#close`` line (TSV only).
	const include_meta = T &redef;

	## Prefix of header lines.
	const meta_prefix = "#" &redef;

	## Separator between fields.
	const separator = Log::separator &redef;

	## Separator between set and vector elements.
	const set_separator = Log::set_separator &redef;

	## Text of empty strings and containers (should differ from unset_field).
	const empty_field = Log::empty_field &redef;

	## Text of unset fields.
	const unset_field = Log::unset_field &redef;
}
