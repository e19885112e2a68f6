"""Tests of the limits on logged strings and containers and of weird.log.

* :func:`zscript.logs.limits.allowed` and :class:`RowLimiter`: field and
  total limits for strings, containers and strings inside containers, in
  column order, 0 meaning no limit; only ``string`` columns count;
* the manager: a stream's limits (or the ``Log::default_max_*`` options)
  cut the rows, each cut is a weird and counted per writer;
* from a script: ``Log::Stream``'s ``max_*`` fields, the weird.log entry
  (``base/frameworks/notice/weird``: repeats of a weird are logged once)
  and the ``zeek_log_writer_truncated_*`` metrics;
* ``Log::max_log_record_size``: :func:`size_check` counts a row as Zeek
  does and is skipped when the limits bound every row; a row over it is
  not written and reported as ``log_record_too_large``.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from logutil import manager, run_script

from zscript.logs import FilterSpec, StreamSpec
from zscript.logs.limits import Limits, RowLimiter, allowed, size_check
from zscript.runtime.values import record_class
from zscript.types import COUNT, STRING, Field, RecordType, VectorType


@pytest.mark.parametrize(
    ("size", "field", "total", "so_far", "expected"),
    [
        (10, 0, 0, 0, 10),  # no limits
        (10, 5, 0, 0, 5),
        (10, 0, 15, 8, 7),
        (10, 0, 15, 15, 0),
        (10, 4, 15, 8, 4),
    ],
)
def test_allowed(size, field, total, so_far, expected):
    assert allowed(size, field, total, so_far) == expected


def test_no_limiter_without_limits_or_candidate_columns():
    assert RowLimiter.build(["string"], Limits(0, 0, 0, 0)) is None
    assert RowLimiter.build(["count", "enum", "func"], Limits()) is None


def test_strings_in_column_order():
    lim = RowLimiter.build(["string", "count", "string", "string"], Limits(4, 10, 0, 0))
    row = ("abcdef", 7, "ghijkl", "mnop")
    # first cut to 4 (field limit), second to 4, third gets the 2 bytes left of 10
    assert lim.limit(row) == (("abcd", 7, "ghij", "mn"), ["string"] * 3)
    same = ("ab", 1, None, "cd")
    assert lim.limit(same)[0] is same


def test_containers_and_their_strings():
    lim = RowLimiter.build(["vector[string]", "set[count]"], Limits(0, 12, 3, 4))
    row = (["aaaaa", "bbbbb", "ccccc", "ddddd"], [1, 2, 3])
    # the vector keeps 3 elements (field limit), their strings 5 + 5 + 2 bytes (total 12);
    # the set keeps 1 element (total 4); a container's cut comes before its elements'
    assert lim.limit(row) == (
        (["aaaaa", "bbbbb", "cc"], [1]),
        ["container", "string", "container"],
    )


INFO = RecordType(
    [
        Field("s", STRING, {"&log": None}),
        Field("v", VectorType(STRING), {"&log": None}),
        Field("n", COUNT, {"&log": None}),
    ],
    "Test::Info",
)


def rec(**fields):
    return record_class(INFO)._zmake({"f_" + k: v for k, v in fields.items()})


def test_manager_cuts_reports_and_counts(tmp_path):
    mgr = manager(tmp_path, **{"Log::default_max_field_string_bytes": 3})
    mgr.create_stream("Test::LOG", StreamSpec(INFO, path="test"))
    mgr.add_filter("Test::LOG", FilterSpec("default"))
    mgr.write("Test::LOG", rec(s="abcdef", v=["xy", "zzzz"], n=1))
    mgr.write("Test::LOG", rec(s="ab", v=[], n=2))
    mgr.create_stream("Test::OWN", StreamSpec(INFO, path="own", limits=Limits(0, 0, 1, 0)))
    mgr.add_filter("Test::OWN", FilterSpec("default"))
    mgr.write("Test::OWN", rec(s="abcdef", v=["xy", "zzzz"], n=3))
    mgr.terminate()
    rows = [line for line in (tmp_path / "test.log").read_text().splitlines() if line[0] != "#"]
    assert rows == ["abc\txy,zzz\t1", "ab\t(empty)\t2"]
    rows = [line for line in (tmp_path / "own.log").read_text().splitlines() if line[0] != "#"]
    assert rows == ["abcdef\txy\t3"]
    assert mgr.services.weirds == [
        ("log_string_field_truncated", "Test::LOG"),
        ("log_string_field_truncated", "Test::LOG"),
        ("log_container_field_truncated", "Test::OWN"),
    ]
    _, writers = mgr.write_counts()
    assert sorted((w[1], w[5], w[6]) for w in writers) == [("Test::LOG", 2, 0), ("Test::OWN", 0, 1)]


SCRIPT = """
@load base/frameworks/telemetry
@load base/frameworks/notice/weird
module Test;
export {
    redef enum Log::ID += { LOG };
    type Info: record { strings: vector of string &log; } &log;
}
event report()
    {
    for ( _, m in Telemetry::collect_metrics("zeek", "log_writer_truncated*") )
        if ( m$label_values[3] == "Test::LOG" )
            print m$opts$name, m$value;
    }
event zeek_init()
    {
    Log::create_stream(LOG, [$columns=Info, $path="test", $max_field_string_bytes=4,
                             $max_total_container_elements=3]);
    Log::write(LOG, [$strings=vector("abcdef", "ghijkl", "mn", "op")]);
    event report();
    }
"""


def _rows(directory: Path, name: str) -> list[list[str]]:
    """The data lines of an ASCII log, split into fields."""
    text = (directory / name).read_text()
    return [line.split("\t") for line in text.splitlines() if not line.startswith("#")]


def test_from_a_script(tmp_path: Path):
    proc = run_script(tmp_path, SCRIPT)
    assert proc.returncode == 0, proc.stderr

    assert _rows(tmp_path, "test.log") == [["abcd,ghij,mn"]]
    # The container's weird, then two string weirds of which the repeat is not
    # logged (the same weird for the same subject is ignored for 10 minutes).
    weirds = _rows(tmp_path, "weird.log")
    assert [w[1:] for w in weirds] == [
        ["-"] * 5 + [name, "Test::LOG", "F", "zeek", "-"]
        for name in ("log_container_field_truncated", "log_string_field_truncated")
    ]
    assert sorted(proc.stdout.splitlines()) == [
        "zeek_log_writer_truncated_containers_total, 1.0",
        "zeek_log_writer_truncated_string_fields_total, 2.0",
    ]


@pytest.mark.parametrize(
    ("types", "limits"),
    [
        (["string", "count", "string"], Limits(4, 10, 0, 0)),
        (["string", "vector[count]", "set[count]"], Limits(5, 8, 2, 3)),
        (["vector[string]", "string"], Limits(3, 6, 2, 3)),
        (["string", "string"], Limits(0, 7, 0, 0)),
        (["set[count]"], Limits(0, 0, 0, 2)),
    ],
)
def test_quick_fit_test_agrees_with_the_limiter(types, limits):
    """``fits`` is only a shortcut: whenever it says a row fits, ``limit``
    cuts nothing (it may say False for rows that fit, never the reverse)."""
    rng = random.Random(7)
    lim = RowLimiter.build(types, limits)
    strings_inside = any(t.endswith("[string]") for t in types)

    def value(t):
        if rng.random() < 0.15:
            return None
        if t == "string":
            return "x" * rng.randrange(8)
        if t == "count":
            return rng.randrange(5)
        elem = "x" * rng.randrange(4) if t.endswith("[string]") else 1
        return [elem] * rng.randrange(5)

    said_fits = 0
    for _ in range(2000):
        row = tuple(value(t) for t in types)
        new, cuts = lim.limit(row)
        if lim.fits(row):
            said_fits += 1
            assert not cuts and new is row, (types, limits, row)
        elif not strings_inside:
            assert cuts, (types, limits, row)  # exact without containers of strings
    # Rows with containers of strings always take the limiter's full path.
    assert said_fits == 0 if strings_inside else said_fits > 100


def test_record_size_is_counted_as_zeek_counts_it():
    types = ["string", "count", "vector[string]", "addr", "enum"]
    check = size_check(types, Limits(0, 0, 0, 0), 60)

    class Enum:
        name = "Test::ONE"  # 9 bytes

    # 10 + 8 + (10 + 10) + 20 = 58, then the enum: 67
    assert check(("a" * 10, 1, ["b" * 10, "c" * 10], "10.0.0.1", None)) is False
    assert check(("a" * 10, 1, ["b" * 10, "c" * 10], "10.0.0.1", Enum())) is True
    # Elements are counted while the total is under the bound (Zeek's loop).
    check = size_check(["vector[string]"], Limits(0, 0, 0, 0), 70)
    assert check((["x" * 20] * 3,)) is False
    assert check((["x" * 20] * 4,)) is True
    assert check((["x" * 20] * 10**6,)) is True
    # The default limits keep rows far below the default bound: nothing to measure.
    assert size_check(types, Limits(), 64 * 1024 * 1024) is None
    assert size_check(types, Limits(0, 0, 0, 0), 0) is None


TOO_LARGE = """
@load base/frameworks/notice/weird

module Test;

redef Log::default_max_field_string_bytes = 0;
redef Log::default_max_total_string_bytes = 0;
redef Log::max_log_record_size = 99;

export {
    redef enum Log::ID += { LOG };
    type Info: record { strings: vector of string &log; n: count &log &optional; };
}

event zeek_init()
    {
    Log::create_stream(LOG, [$columns=Info, $path="test"]);
    local ten = "AAAAAAAAAA";
    # 10 strings of 10 bytes and a count: 108 bytes, not written.
    Log::write(LOG, [$strings=vector(ten, ten, ten, ten, ten, ten, ten, ten, ten, ten), $n=1]);
    # 9 of them and the count: 98 bytes, written.
    Log::write(LOG, [$strings=vector(ten, ten, ten, ten, ten, ten, ten, ten, ten), $n=2]);
    }
"""


def test_record_over_max_log_record_size_is_not_written(tmp_path: Path):
    proc = run_script(tmp_path, TOO_LARGE)
    assert proc.returncode == 0, proc.stderr

    assert [r[1] for r in _rows(tmp_path, "test.log")] == ["2"]
    assert [w[6:8] for w in _rows(tmp_path, "weird.log")] == [["log_record_too_large", "Test::LOG"]]
