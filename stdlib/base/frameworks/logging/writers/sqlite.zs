##! The SQLite writer (``Log::WRITER_SQLITE``, zscript's
##! ``zscript.logs.writers.sqlite``): each path is a database ``<path>.sqlite``
##! holding a table with one column per log field and one row per record.
##!
##! The filter's ``$config`` may name the table (``tablename``; the default
##! is the path)::
##!
##!     Log::add_filter(Foo::LOG, [$name="db", $path="foo", $writer=Log::WRITER_SQLITE,
##!                                $config=table(["tablename"] = "foo_records")]);
##!
##! Several filters may write to tables of the same database file.  Sets and
##! vectors are stored as text, their elements joined with
##! :zeek:see:`LogSQLite::set_separator`; unset fields and empty strings are
##! NULL.

module Log;

export {
	redef enum Writer += {
		## One SQLite database per path, one table row per record.
		WRITER_SQLITE,
	};
}

module LogSQLite;

export {
	## Separator between the elements of sets and vectors.
	const set_separator = Log::set_separator &redef;

	## Text of unset elements of vectors.
	const unset_field = Log::unset_field &redef;

	## Text of empty sets and vectors (should differ from unset_field).
	const empty_field = Log::empty_field &redef;

	## Settings of SQLite's ``PRAGMA synchronous``.
	type SQLiteSynchronous: enum {
		## Leave SQLite's default.
		SQLITE_SYNCHRONOUS_DEFAULT,
		SQLITE_SYNCHRONOUS_OFF,
		SQLITE_SYNCHRONOUS_NORMAL,
		SQLITE_SYNCHRONOUS_FULL,
		SQLITE_SYNCHRONOUS_EXTRA,
	};

	## Settings of SQLite's ``PRAGMA journal_mode``.
	type SQLiteJournalMode: enum {
		## Leave SQLite's default.
		SQLITE_JOURNAL_MODE_DEFAULT,
		SQLITE_JOURNAL_MODE_DELETE,
		SQLITE_JOURNAL_MODE_TRUNCATE,
		SQLITE_JOURNAL_MODE_PERSIST,
		SQLITE_JOURNAL_MODE_MEMORY,
		SQLITE_JOURNAL_MODE_WAL,
		SQLITE_JOURNAL_MODE_OFF,
	};

	## ``PRAGMA synchronous`` run when a database is opened (trading
	## durability for speed); nothing is run for the default.
	const synchronous = SQLITE_SYNCHRONOUS_DEFAULT &redef;

	## ``PRAGMA journal_mode`` run when a database is opened; nothing is
	## run for the default.  WAL persists in the database file.
	const journal_mode = SQLITE_JOURNAL_MODE_DEFAULT &redef;
}
