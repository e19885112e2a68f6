"""Tests of the SQLite log writer (``Log::WRITER_SQLITE``, ``zscript.logs.writers.sqlite``).

The databases are read back with Python's :mod:`sqlite3`: the table layout
(column names and Zeek's column types), the stored values (NULLs, booleans,
numbers, text of sets and vectors, raw bytes), several tables in one file,
an existing table that lacks a column (Zeek's error messages, the process
goes on), the pragma options, rotation (the database stays), and that a
script that never uses the writer never imports :mod:`sqlite3` for it.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from logutil import manager, run_script

from zscript.logs import FilterSpec, LogManager, StreamSpec
from zscript.logs.writers import find_writer
from zscript.logs.writers.base import WriterError
from zscript.logs.writers.sqlite import SQLiteWriter, column_type
from zscript.runtime.values import record_class
from zscript.types import (
    BOOL,
    COUNT,
    INT,
    STRING,
    TIME,
    Field,
    RecordType,
    TableType,
    VectorType,
)

# ------------------------------------------------------------------ helpers


def _field(name, t, *attrs):
    return Field(name, t, {a: None for a in ("&log", *attrs)})


ROW = RecordType(
    [
        _field("b", BOOL),
        _field("c", COUNT),
        _field("i", INT, "&optional"),
        _field("s", STRING, "&optional"),
        _field("t", TIME),
        _field("ss", TableType([STRING], None), "&optional"),
        _field("vs", VectorType(STRING), "&optional"),
    ],
    "Test::Row",
)


def rec(**fields):
    return record_class(ROW)._zmake({"f_" + k: v for k, v in fields.items()})


def sqlite_stream(mgr: LogManager, path="test", **filter_kw) -> None:
    mgr.create_stream("Test::LOG", StreamSpec(ROW, path=path))
    mgr.add_filter("Test::LOG", FilterSpec("db", writer="Log::WRITER_SQLITE", **filter_kw))


def select(db: Path, sql: str) -> list[tuple]:
    con = sqlite3.connect(db)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


# ------------------------------------------------------------- the writer


def test_found_by_its_enumerator():
    assert find_writer("Log::WRITER_SQLITE") is SQLiteWriter


@pytest.mark.parametrize(
    ("log_type", "sql_type"),
    [
        ("bool", "boolean"),
        ("int", "integer"),
        ("count", "integer"),
        ("port", "integer"),
        ("addr", "text"),
        ("subnet", "text"),
        ("double", "double precision"),
        ("time", "double precision"),
        ("interval", "double precision"),
        ("enum", "text"),
        ("string", "text"),
        ("func", "text"),
        ("set[count]", "text"),
        ("vector[string]", "text"),
    ],
)
def test_column_types_are_zeeks(log_type, sql_type):
    assert column_type(log_type) == sql_type


def test_unknown_column_type_is_an_error():
    with pytest.raises(WriterError):
        column_type("pattern")


def test_values(tmp_path):
    mgr = manager(tmp_path)
    sqlite_stream(mgr)
    mgr.write(
        "Test::LOG",
        rec(b=True, c=2**64 - 1, i=-7, s="caf\xc3\xa9 \xff", t=1.5, ss={"a,b", "\\"}, vs=["x"]),
    )
    mgr.write("Test::LOG", rec(b=False, c=3, s="", t=2.0, ss=set(), vs=["", None, "y"]))
    mgr.terminate()
    assert mgr.services.infos == [
        "test/Log::WRITER_SQLITE: tablename configuration option not found. Defaulting to path test"
    ]
    assert mgr.services.errors == []
    db = tmp_path / "test.sqlite"
    rows = select(db, "select b, c, i, cast(s as blob), t, ss, vs from test order by t")
    first, second = rows
    assert first[:3] == (1, -1, -7)  # a count above 2^63-1 keeps its 64 bits
    assert first[4] == 1.5
    # The set separator inside an element and backslashes are escaped as in Zeek's ODesc.
    assert sorted(first[5].split(",")) == sorted(["a\\x2cb", "\\\\"])
    assert first[6] == "x"
    # Unset and empty strings are NULL; an empty set is empty_field; holes are unset_field.
    assert second == (0, 3, None, None, 2.0, "(empty)", "(empty),-,y")
    # Strings are stored as text holding their bytes, also when not UTF-8.
    assert select(db, "select typeof(s), cast(s as blob) from test where b = 1") == [
        ("text", b"caf\xc3\xa9 \xff")
    ]
    assert [(r[1], r[2].lower()) for r in select(db, "pragma table_info(test)")] == [
        ("b", "boolean"),
        ("c", "integer"),
        ("i", "integer"),
        ("s", "text"),
        ("t", "double precision"),
        ("ss", "text"),
        ("vs", "text"),
    ]


def test_separators_come_from_the_options(tmp_path):
    mgr = manager(
        tmp_path,
        **{
            "LogSQLite::set_separator": "|",
            "LogSQLite::empty_field": "EMPTY",
            "LogSQLite::unset_field": "(unset)",
        },
    )
    sqlite_stream(mgr)
    mgr.write("Test::LOG", rec(b=True, c=1, t=1.0, ss=set(), vs=["a|b", None]))
    mgr.terminate()
    assert select(tmp_path / "test.sqlite", "select ss, vs from test") == [
        ("EMPTY", "a\\x7cb|(unset)")
    ]


def test_tablename_and_two_tables_in_one_file(tmp_path):
    mgr = manager(tmp_path)
    mgr.create_stream("Test::A", StreamSpec(ROW, path="a"))
    mgr.create_stream("Test::B", StreamSpec(ROW, path="b"))
    for sid, table in (("Test::A", "first"), ("Test::B", "second")):
        mgr.add_filter(
            sid,
            FilterSpec(
                "db", writer="Log::WRITER_SQLITE", path="shared", config={"tablename": table}
            ),
        )
    mgr.write("Test::A", rec(b=True, c=1, t=1.0))
    mgr.write("Test::B", rec(b=True, c=2, t=1.0))
    mgr.write("Test::B", rec(b=True, c=3, t=1.0))
    mgr.terminate()
    assert mgr.services.infos == []
    db = tmp_path / "shared.sqlite"
    assert select(db, "select c from first") == [(1,)]
    assert select(db, "select c from second") == [(2,), (3,)]


def test_rows_are_appended_to_an_existing_table(tmp_path):
    for n in (1, 2):
        mgr = manager(tmp_path)
        sqlite_stream(mgr)
        mgr.write("Test::LOG", rec(b=True, c=n, t=1.0))
        mgr.terminate()
    assert select(tmp_path / "test.sqlite", "select c from test") == [(1,), (2,)]


def test_existing_table_without_a_column(tmp_path):
    db = tmp_path / "test.sqlite"
    con = sqlite3.connect(db)
    con.execute("create table test (b boolean, c integer)")
    con.commit()
    con.close()
    mgr = manager(tmp_path)
    sqlite_stream(mgr)
    assert mgr.write("Test::LOG", rec(b=True, c=1, t=1.0))
    mgr.write("Test::LOG", rec(b=True, c=2, t=1.0))
    mgr.terminate()
    # Reported once, with Zeek's wording; the writer stops, the rest goes on.
    assert mgr.services.errors == [
        "test/Log::WRITER_SQLITE: SQLite call failed: table test has no column named i",
        "test/Log::WRITER_SQLITE: terminating thread",
    ]
    assert select(db, "select * from test") == []


def test_missing_directory(tmp_path):
    mgr = manager(tmp_path / "missing")
    sqlite_stream(mgr)
    mgr.write("Test::LOG", rec(b=True, c=1, t=1.0))
    mgr.terminate()
    assert mgr.services.errors == [
        "test/Log::WRITER_SQLITE: SQLite call failed: unable to open database file",
        "test/Log::WRITER_SQLITE: terminating thread",
    ]


def test_buffered_rows_reach_the_database_in_batches(tmp_path):
    mgr = manager(tmp_path, **{"Log::write_buffer_size": 3})
    sqlite_stream(mgr)
    db = tmp_path / "test.sqlite"
    for n in range(4):
        mgr.write("Test::LOG", rec(b=True, c=n, t=1.0))
    assert select(db, "select c from test") == [(0,), (1,), (2,)]
    mgr.flush("Test::LOG")
    assert select(db, "select count(*) from test") == [(4,)]
    mgr.terminate()


def test_rotation_leaves_the_database(tmp_path):
    calls = []

    def post(writer, new_name, path, open_time, close_time, terminating):
        calls.append((writer, new_name, path))
        return True

    mgr = manager(tmp_path)
    sqlite_stream(mgr, interval=60.0, postprocessor=post)
    mgr.write("Test::LOG", rec(b=True, c=1, t=1.0))
    mgr.services.advance(60.0)
    mgr.write("Test::LOG", rec(b=True, c=2, t=1.0))
    mgr.terminate()
    assert calls[0] == ("Log::WRITER_SQLITE", "/dev/null", "test")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["test.sqlite"]
    assert select(tmp_path / "test.sqlite", "select c from test") == [(1,), (2,)]


@pytest.mark.parametrize(("mode", "expected"), [("WAL", "wal"), ("TRUNCATE", "truncate")])
def test_journal_mode(tmp_path, mode, expected):
    mgr = manager(
        tmp_path,
        **{
            "LogSQLite::journal_mode": f"LogSQLite::SQLITE_JOURNAL_MODE_{mode}",
            "LogSQLite::synchronous": "LogSQLite::SQLITE_SYNCHRONOUS_EXTRA",
        },
    )
    sqlite_stream(mgr)
    mgr.write("Test::LOG", rec(b=True, c=1, t=1.0))
    writer = next(iter(mgr._streams["Test::LOG"].writers.values())).backend
    mgr.flush("Test::LOG")
    assert writer._db.execute("pragma journal_mode").fetchone() == (expected,)
    assert writer._db.execute("pragma synchronous").fetchone() == (3,)  # EXTRA
    mgr.terminate()
    assert mgr.services.errors == []


# -------------------------------------------------------------- from scripts

SCRIPT = """
@load base/frameworks/logging
redef LogSQLite::unset_field = "(unset)";
module SSH;
export {
    redef enum Log::ID += { LOG };
    type Log: record {
        b: bool; i: int; e: Log::ID; c: count; p: port; sn: subnet; a: addr;
        d: double; t: time; iv: interval; s: string; sc: set[count];
        ve: vector of string; opt: string &optional;
    } &log;
}
event zeek_init()
    {
    Log::create_stream(SSH::LOG, [$columns=Log]);
    Log::remove_filter(SSH::LOG, "default");
    Log::add_filter(SSH::LOG, [$name="sqlite", $path="ssh", $writer=Log::WRITER_SQLITE]);
    local empty_vector: vector of string;
    Log::write(SSH::LOG, [$b=T, $i=-42, $e=SSH::LOG, $c=21, $p=123/tcp, $sn=10.0.0.1/24,
                          $a=1.2.3.4, $d=3.14, $t=1559847346.10295 as time, $iv=100secs,
                          $s="hurz", $sc=set(7), $ve=empty_vector]);
    print "written";
    }
"""


def test_script_writes_zeeks_layout(tmp_path):
    proc = run_script(tmp_path, SCRIPT)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "written\n"
    assert proc.stderr == (
        "ssh/Log::WRITER_SQLITE: tablename configuration option not found. Defaulting to path ssh\n"
    )
    assert select(tmp_path / "ssh.sqlite", "select * from ssh") == [
        (
            1,
            -42,
            "SSH::LOG",
            21,
            123,
            "10.0.0.0/24",
            "1.2.3.4",
            3.14,
            1559847346.10295,
            100.0,
            "hurz",
            "7",
            "(empty)",
            None,
        )
    ]


def test_script_writer_error_is_not_an_initialization_error(tmp_path):
    con = sqlite3.connect(tmp_path / "ssh.sqlite")
    con.execute("create table ssh (b boolean)")
    con.commit()
    con.close()
    proc = run_script(tmp_path, SCRIPT, unset=("ZEEK_ALLOW_INIT_ERRORS",))
    # As in Zeek, where writers report from their threads once the loop runs.
    assert proc.returncode == 0
    assert proc.stdout == "written\n"
    assert proc.stderr.splitlines()[1:] == [
        "error: ssh/Log::WRITER_SQLITE: SQLite call failed: table ssh has no column named i",
        "error: ssh/Log::WRITER_SQLITE: terminating thread",
    ]


def test_script_default_writer_and_logdir(tmp_path):
    (tmp_path / "logs").mkdir()
    script = """
@load base/frameworks/logging
redef Log::default_writer = Log::WRITER_SQLITE;
redef Log::default_logdir = "./logs";
module Test;
export { redef enum Log::ID += { LOG }; type Info: record { n: count; } &log; }
event zeek_init()
    {
    Log::create_stream(Test::LOG, [$columns=Info, $path="test"]);
    Log::write(Test::LOG, [$n=1]);
    Log::write(Test::LOG, [$n=2]);
    }
"""
    proc = run_script(tmp_path, script)
    assert proc.returncode == 0, proc.stderr
    assert select(tmp_path / "logs" / "test.sqlite", "select n from test") == [(1,), (2,)]
    assert not (tmp_path / "test.log").exists()


def test_sqlite3_is_imported_only_when_used(tmp_path):
    code = (
        "import sys\n"
        "from zscript.logs import LogManager, LogServices, StreamSpec, FilterSpec\n"
        "assert 'zscript.logs.writers.sqlite' not in sys.modules\n"
        "print('ok')\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=tmp_path
    )
    assert proc.stdout == "ok\n", proc.stderr
