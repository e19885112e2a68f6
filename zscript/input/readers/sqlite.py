"""The SQLite reader (``Input::READER_SQLITE``): the rows of a query.

Behaviour from Zeek's ``input/readers/sqlite/SQLite.cc``: the source is a
database path without its ``.sqlite`` suffix (the file must exist),
``$config["query"]`` the statement; MANUAL mode only.  Result columns fill
the fields of the same name (a port's ``&type_column`` names its protocol
column); a missing or doubled column is an error.  SQL NULL is an unset
field; booleans must be integers 0 or 1; addresses and subnets are text;
sets and vectors are text in the ASCII format (``InputSQLite::set_separator``,
``unset_field``, ``empty_field``).  Each reading sends every row and ends
with ``end_current_send``.
"""

from __future__ import annotations

import sqlite3

from ...asciifmt import SeparatorInfo
from ..formatter import AsciiParser, ParseError, parse_addr, parse_proto
from ..reader import MODE_MANUAL, ReaderBackend

__all__ = ["SQLiteReader"]


class _Failed(Exception):
    """A row could not be converted (the error was reported)."""


class SQLiteReader(ReaderBackend):
    options = {
        "InputSQLite::set_separator": ",",
        "InputSQLite::unset_field": "-",
        "InputSQLite::empty_field": "(empty)",
    }

    def __init__(self, info, send):
        super().__init__(info, send)
        self.db: sqlite3.Connection | None = None
        self.query = ""

    def _fail(self, e: sqlite3.Error) -> bool:
        self.error(f"SQLite call failed: {e}")
        return False

    def _do_init(self, info, fields) -> bool:
        if info.mode != MODE_MANUAL:
            self.error("SQLite only supports manual reading mode.")
            return False
        opt = info.options
        seps = SeparatorInfo(
            "",
            opt["InputSQLite::set_separator"],
            opt["InputSQLite::unset_field"],
            opt["InputSQLite::empty_field"],
        )
        self.parser = AsciiParser(seps, self.warning)
        query = info.config.get("query")
        if query is None:
            self.error(
                f"No query specified when setting up SQLite data source {info.source}. Aborting."
            )
            return False
        self.query = query
        try:
            self.db = sqlite3.connect(
                f"file:{info.source}.sqlite?mode=rw", uri=True, check_same_thread=False
            )
            self.db.text_factory = bytes
            # Prepare now, as Zeek does: a bad query fails the stream at once.
            self.db.execute(f"EXPLAIN {query}")
        except sqlite3.Error as e:
            return self._fail(e)
        self._do_update()
        return True

    def _do_close(self) -> None:
        if self.db is not None:
            self.db.close()
            self.db = None

    def _do_update(self) -> bool:
        try:
            cur = self.db.execute(self.query)
        except sqlite3.Error as e:
            return self._fail(e)
        names = [d[0] for d in cur.description or ()]
        mapping = []
        for f in self.fields:
            cols = [i for i, n in enumerate(names) if n == f.name]
            subs = [i for i, n in enumerate(names) if f.secondary_name and n == f.secondary_name]
            for found, what in ((cols, f.name), (subs, f.secondary_name)):
                if len(found) > 1:
                    self.error(
                        f"SQLite statement returns several columns with name {what}! "
                        "Cannot decide which to choose, aborting"
                    )
                    return False
            if not cols:
                self.error(f"Required field {f.name} not found after SQLite statement")
                return False
            mapping.append((f, cols[0], subs[0] if subs else -1))
        try:
            for row in cur:
                try:
                    vals = [self._value(row, f, pos, sub) for f, pos, sub in mapping]
                except _Failed:
                    return False
                self.send_entry(vals)
        except sqlite3.Error as e:
            return self._fail(e)
        self.end_current_send()
        return True

    def _value(self, row, f, pos: int, sub: int):
        """``EntryToVal``: one column of a row as the field's value."""
        v = row[pos]
        if v is None:
            return None
        tag = f.tag
        if tag in ("string", "enum"):
            return _text(v)
        if tag == "bool":
            if not isinstance(v, int):
                self.error("Invalid data type for boolean - expected Integer")
                raise _Failed
            if v not in (0, 1):
                self.error(f"Invalid value for boolean: {v}")
                raise _Failed
            return bool(v)
        if tag in ("int", "count"):
            return _number(v, int)
        if tag in ("double", "time", "interval"):
            return _number(v, float)
        if tag == "port":
            from ...runtime.patterns import Port

            proto = "unknown"
            if sub != -1:
                text = row[sub]
                if text is None:
                    self.error("Port protocol definition did not contain text")
                else:
                    proto = parse_proto(_text(text), self.warning)
            return Port(int(_number(v, int)) & 0xFFFF, proto)
        if tag == "addr":
            return parse_addr(_text(v), self.warning)
        if tag in ("subnet", "table", "vector", "pattern"):
            try:
                return self.parser.parse(_text(v), f.name, tag, f.subtype)
            except ParseError:
                raise _Failed from None
        self.error(f"unsupported field format {tag}")
        raise _Failed


def _text(v) -> str:
    if isinstance(v, bytes):
        return v.decode("latin-1")
    return str(v)


def _number(v, kind):
    """SQLite's numeric conversion of a column (text that is not a number is 0)."""
    if isinstance(v, int | float):
        return kind(v)
    try:
        return kind(float(_text(v)))
    except ValueError:
        return kind(0)
