##! SQLite storage backend support: adds ``$sqlite`` to
##! :zeek:see:`Storage::BackendOptions`.
##!
##! Entries live in a table of a database file with Zeek's schema
##! (``key_str``, ``value_str``, ``expire_time``), so files written by Zeek
##! and by zscript are interchangeable.  Each put commits on its own: a put
##! that returned ``SUCCESS`` is in the file, and with
##! ``["synchronous"] = "full"`` it also survives a crash of the machine.

@load base/frameworks/storage/main

module Storage::Backend::SQLite;

export {
	## Options of the SQLite backend.
	type Options: record {
		## The database file (":memory:" for a private in-memory database).
		## Relative paths are relative to the working directory; missing
		## directories are not created.
		database_path: string;

		## The table holding the entries; several may share one file.
		table_name: string;

		## How long an operation waits for a database locked by another
		## connection (overrides any ``busy_timeout`` pragma).
		busy_timeout: interval &default=5 secs;

		## Pragmas run in order when the database is opened (``""`` means a
		## pragma without a value).  A ``quick_check`` or ``integrity_check``
		## that does not answer ``ok`` makes the open fail.
		pragma_commands: table[string] of string &ordered &default=table(
			["quick_check"] = "",
			["journal_mode"] = "WAL",
			["synchronous"] = "normal",
			["temp_store"] = "memory"
		) &ordered;

		## How long to retry a pragma while the database is busy (0 = forever).
		pragma_timeout: interval &default=500 msec;

		## The wait between those retries.
		pragma_wait_on_busy: interval &default=5 msec;
	};
}

redef record Storage::BackendOptions += {
	## Options of the SQLite backend.
	sqlite: Storage::Backend::SQLite::Options &optional;
};
