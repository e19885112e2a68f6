"""Zeek's SQLite writer (``Log::WRITER_SQLITE``): one table row per log record.

The database is ``<path>.sqlite`` (in ``Log::default_logdir`` unless the path
is absolute); the table is named by the filter's ``$config["tablename"]``,
else after the path (with an info message saying so, as Zeek does).  The
table is created if it does not exist, one column per log field, named like
the field and typed as Zeek's writer types them
(``src/logging/writers/sqlite/SQLite.cc``, ``GetTableType``):

========================================  ====================
log column type                           SQLite column type
========================================  ====================
bool                                      ``boolean`` (1 / 0)
int, count, port (its number)             ``integer``
addr, subnet                              ``text``
double, time, interval                    ``double precision``
string, enum, func, file                  ``text``
set[T], vector of T                       ``text``
========================================  ====================

Values: unset fields and empty strings are ``NULL``; sets and vectors are
their elements as the ASCII writer writes them, joined with
``LogSQLite::set_separator`` (elements escaped as Zeek's ``ODesc`` does,
unset elements ``LogSQLite::unset_field``), an empty one is
``LogSQLite::empty_field``.  Strings are stored as the bytes they are (as
text, also when they are not valid UTF-8).  A count above 2^63-1 is stored
as the signed 64-bit integer with the same bits (SQLite has no unsigned
integers; Zeek's writer binds 32-bit integers and so truncates far more).

Rows reach the database a batch at a time, each batch in one transaction
(Zeek inserts row by row); rows before a failing row are kept.  An existing
table must have a column for every field: the insert statement is compiled
when the writer starts, so a missing column stops the writer at once with
Zeek's message (``SQLite call failed: table ssh has no column named f``).

``LogSQLite::synchronous`` and ``LogSQLite::journal_mode`` run the
``PRAGMA`` of the same name when the database is opened (unless
``..._DEFAULT``).  Rotation does not apply: the database stays where it is
and the rotation postprocessor is told ``/dev/null``, as in Zeek.

:mod:`sqlite3` is imported when the first SQLite writer starts, so scripts
that never use it do not pay for it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence

from .base import WriterBackend, WriterError
from .formatters import TsvFormatter, split_type

__all__ = ["SQLiteWriter", "column_type"]

#: SQLite column type of each atomic log type (Zeek's ``GetTableType``).
_COLUMN_TYPES = {
    "bool": "boolean",
    "int": "integer",
    "count": "integer",
    "port": "integer",
    "addr": "text",
    "subnet": "text",
    "double": "double precision",
    "time": "double precision",
    "interval": "double precision",
    "enum": "text",
    "string": "text",
    "file": "text",
    "func": "text",
}

_PRAGMA_PREFIX = {"synchronous": "SQLITE_SYNCHRONOUS_", "journal_mode": "SQLITE_JOURNAL_MODE_"}
_PRAGMA_VALUES = {
    "synchronous": ("OFF", "NORMAL", "FULL", "EXTRA"),
    "journal_mode": ("DELETE", "TRUNCATE", "PERSIST", "MEMORY", "WAL", "OFF"),
}

_INT64 = 1 << 63


def column_type(type_name: str) -> str:
    """The SQLite column type of a log column type (``"set[string]"`` -> ``"text"``).

    :raises WriterError: the type cannot be stored.
    """
    kind, elem = split_type(type_name)
    if kind is not None:
        return "text"
    t = _COLUMN_TYPES.get(elem)
    if t is None:
        raise WriterError(f"unsupported field format {type_name}")
    return t


def _quote(name: str) -> str:
    """An SQL identifier for ``name`` (any text, quotes doubled)."""
    return '"' + name.replace('"', '""') + '"'


def _bool(v):
    return None if v is None else (1 if v else 0)


def _integer(v):
    if v is None:
        return None
    return v - (_INT64 << 1) if v >= _INT64 else v


def _text(v):
    """Text as its bytes; ``CAST(? AS TEXT)`` in the statement keeps a
    non-UTF-8 byte string text (Zeek binds raw bytes as text)."""
    if not v:
        return None
    return v if v.isascii() else v.encode("latin-1")


def _real(v):
    return v


class SQLiteWriter(WriterBackend):
    """``Log::WRITER_SQLITE``."""

    name = "sqlite"
    options_module = "LogSQLite"
    OPTIONS = {
        "set_separator": ",",
        "unset_field": "-",
        "empty_field": "(empty)",
        "synchronous": "LogSQLite::SQLITE_SYNCHRONOUS_DEFAULT",
        "journal_mode": "LogSQLite::SQLITE_JOURNAL_MODE_DEFAULT",
    }

    def _do_init(self) -> None:
        import sqlite3  # noqa: PLC0415 - only processes that use the writer pay for it

        self._sqlite_error = sqlite3.Error
        info = self.info
        path = info.path
        if not path.startswith("/") and info.logdir:
            path = os.path.join(info.logdir, path)
        self.fname = path + ".sqlite"
        table = info.config.get("tablename")
        if table is None:
            self._note(f"tablename configuration option not found. Defaulting to path {info.path}")
            table = info.path
        self.table = table
        self._converters = [self._converter(f.type) for f in info.fields]
        create = ",\n".join(f"{_quote(f.name)} {column_type(f.type)}" for f in info.fields)
        places = ", ".join(
            "CAST(? AS TEXT)" if column_type(f.type) == "text" else "?" for f in info.fields
        )
        names = ", ".join(_quote(f.name) for f in info.fields)
        self._insert = f"INSERT INTO {_quote(table)} ({names}) VALUES ({places})"
        try:
            self._db = sqlite3.connect(self.fname, isolation_level=None, check_same_thread=False)
        except sqlite3.Error as e:
            raise WriterError(f"SQLite call failed: {e}") from None
        try:
            for pragma in ("synchronous", "journal_mode"):
                self._pragma(pragma)
            try:
                self._db.execute(f"CREATE TABLE IF NOT EXISTS {_quote(table)} (\n{create}\n)")
            except sqlite3.Error as e:
                raise WriterError(f"Error executing table creation statement: {e}") from None
            try:  # compile the insert now: a table lacking a column fails here, as in Zeek
                self._db.execute("EXPLAIN " + self._insert, [None] * len(info.fields)).fetchall()
            except sqlite3.Error as e:
                raise WriterError(f"SQLite call failed: {e}") from None
        except WriterError:
            self._db.close()
            self._db = None
            raise

    def _pragma(self, pragma: str) -> None:
        value = str(self.options[pragma]).rpartition("::")[2]
        setting = value.removeprefix(_PRAGMA_PREFIX[pragma])
        if setting == "DEFAULT":
            return
        if setting not in _PRAGMA_VALUES[pragma]:
            raise WriterError(f"Invalid LogSQLite::{pragma} enum")
        try:
            self._db.execute(f"PRAGMA {pragma}={setting}").fetchall()
        except self._sqlite_error as e:
            raise WriterError(f"Error setting {pragma} pragma: {e}") from None

    def _converter(self, type_name: str) -> Callable:
        kind, elem = split_type(type_name)
        if kind is not None:
            fmt = self._elements().column_formatter(type_name)
            return lambda v: None if v is None else fmt(v)
        sql = column_type(type_name)
        if type_name == "bool":
            return _bool
        if sql == "integer":
            return _integer
        return _text if sql == "text" and elem not in ("addr", "subnet") else _real

    def _elements(self) -> TsvFormatter:
        """Formats set and vector elements: Zeek's ASCII formatting with an
        escaping ``ODesc`` whose only escape sequence is the set separator."""
        opts = self.options
        return TsvFormatter(
            (),
            separator="",
            set_separator=str(opts["set_separator"]),
            empty_field=str(opts["empty_field"]),
            unset_field=str(opts["unset_field"]),
            utf8=False,
            meta_prefix="",
        )

    # ----------------------------------------------------------------- hooks

    def _do_write(self, rows: Sequence[Sequence]) -> None:
        convs = self._converters
        params = [[c(v) for c, v in zip(convs, row, strict=True)] for row in rows]
        db = self._db
        try:
            db.execute("BEGIN")
            try:
                db.executemany(self._insert, params)
            finally:
                db.execute("COMMIT")  # rows before a failing one are kept
        except self._sqlite_error as e:
            raise WriterError(f"SQLite call failed: {e}") from None

    def _do_rotate(self, rotated_path: str, open_time: float, close_time: float, terminating: bool):
        return "/dev/null"

    def _do_finish(self, network_time: float) -> None:
        db, self._db = getattr(self, "_db", None), None
        if db is not None:
            try:
                db.close()
            except self._sqlite_error as e:
                raise WriterError(f"Sqlite could not close connection: {e}") from None
