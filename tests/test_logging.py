"""Tests of the logging framework (``zscript.logs`` and ``base/frameworks/logging``).

* golden runs: ``tests/logging_golden/NAME.zs`` against ``tests/logging_golden/NAME/``
  (see the README there; ``--update-golden`` rewrites them);
* the writers' formatting (TSV and JSON values, escaping, numbers);
* columns and rows (``schema``), log batches and their encoding;
* the manager's Python API: filters, buffering, flushing, rotation, writer plugins;
* the cluster seam: worker managers sending through a fake sink (encode/decode) to a
  logger manager, failing sinks, a logger that goes away and comes back.
"""

from __future__ import annotations

import io
import math
import os
import random
import re
import shutil
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest

from zscript.logs import FilterSpec, LogBatch, LogField, LogManager, LogServices, StreamSpec
from zscript.logs.batch import MAGIC
from zscript.logs.schema import coerce_record, row_extractor, unroll
from zscript.logs.writers import ENTRY_POINT_GROUP, find_writer, writer_key
from zscript.logs.writers.ascii import AsciiWriter
from zscript.logs.writers.base import WriterBackend
from zscript.logs.writers.formatters import (
    JsonFormatter,
    TsvFormatter,
    _escape_utf8,
    _json_double_digits,
    _json_str,
    _json_text,
    format_log_double,
    json_double,
)
from zscript.runtime.addresses import make_addr, make_port
from zscript.runtime.errors import ScriptError
from zscript.runtime.values import record_class
from zscript.types import ADDR, COUNT, PORT, STRING, TIME, Field, RecordType, TableType

GOLDEN = Path(__file__).parent / "logging_golden"

# --------------------------------------------------------------- golden runs

_OPENCLOSE = re.compile(r"^(#(?:open|close)\t)\d{4}(?:-\d\d){5}$", re.M)
_EPOCH = re.compile(r"\b\d{10}\.\d+")


def canonicalize(text: str) -> str:
    """Remove what changes from run to run: #open/#close dates, network times."""
    text = _OPENCLOSE.sub(r"\1XXXX-XX-XX-XX-XX-XX", text)
    text = _EPOCH.sub("XXXXXXXXXX.XXXXXX", text)
    root = str(Path(__file__).resolve().parent.parent / "stdlib")
    return text.replace(root, "<stdlib>")


def _golden_cases() -> list[Path]:
    return sorted(GOLDEN.glob("*.zs"))


def run_golden(script: Path, workdir: Path) -> dict[str, str]:
    """Run ``script`` in ``workdir``; its output files, stdout and stderr by name."""
    shutil.copy(script, workdir / script.name)
    env = dict(os.environ, TZ="UTC", LC_ALL="C", ZEEK_ALLOW_INIT_ERRORS="1")
    env.pop("ZSCRIPTPATH", None)
    proc = subprocess.run(
        [sys.executable, "-m", "zscript", "run", "standalone", "--virtual-time", script.name],
        cwd=workdir,
        capture_output=True,
        timeout=60,
        env=env,
    )
    out = {"stdout": proc.stdout.decode("latin-1")}
    if proc.stderr:
        out["stderr"] = proc.stderr.decode("latin-1")
    for p in sorted(workdir.rglob("*")):
        if p.is_file() and p.name != script.name:
            out[str(p.relative_to(workdir))] = p.read_bytes().decode("latin-1")
    return {name: canonicalize(text) for name, text in out.items()}


@pytest.mark.parametrize("script", _golden_cases(), ids=lambda p: p.stem)
def test_logging_golden(script: Path, tmp_path: Path, request):
    got = run_golden(script, tmp_path)
    expected_dir = GOLDEN / script.stem
    if request.config.getoption("--update-golden"):
        shutil.rmtree(expected_dir, ignore_errors=True)
        for name, text in got.items():
            target = expected_dir / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(text.encode("latin-1"))
    assert expected_dir.is_dir(), (
        f"missing {expected_dir}; run pytest --update-golden and review it"
    )
    expected = {
        str(p.relative_to(expected_dir)): p.read_bytes().decode("latin-1")
        for p in sorted(expected_dir.rglob("*"))
        if p.is_file()
    }
    assert sorted(got) == sorted(expected)
    for name in expected:
        assert got[name] == expected[name], f"{script.stem}: {name} differs"


def test_logging_golden_cover_the_writers():
    names = {p.stem for p in _golden_cases()}
    assert {"tsv_types", "json_types", "filters", "policy", "errors", "shutdown"} <= names


# ------------------------------------------------------------------ helpers


def _field(name, t, *attrs, default=None):
    f = Field(name, t, {a: None for a in attrs})
    if default is not None:
        f.attrs["&default"] = default
        f.default = lambda: default
    return f


CONN_ID = RecordType(
    [
        _field("orig_h", ADDR, "&log"),
        _field("orig_p", PORT, "&log"),
        _field("resp_h", ADDR, "&log"),
        _field("resp_p", PORT, "&log"),
    ],
    "conn_id",
)

INFO = RecordType(
    [
        _field("ts", TIME, "&log"),
        _field("id", CONN_ID, "&log", "&optional"),
        _field("n", COUNT, "&log"),
        _field("node", STRING, "&log", default="none"),
        _field("tags", TableType([STRING], None), "&log", "&optional"),
        _field("hidden", STRING, "&optional"),
    ],
    "Test::Info",
)


def rec(rt=INFO, **fields):
    return record_class(rt)._zmake({"f_" + k: v for k, v in fields.items()})


def cid():
    return rec(
        CONN_ID,
        orig_h=make_addr("10.0.0.1"),
        orig_p=make_port(1234, "tcp"),
        resp_h=make_addr("10.0.0.2"),
        resp_p=make_port(80, "tcp"),
    )


def manager(tmp_path: Path, **options) -> LogManager:
    opts = {"Log::default_logdir": str(tmp_path), "Log::flush_interval": 0.0}
    opts.update(options)
    return LogManager(LogServices(opts, now=1700000000.0))


def rows_of(path: Path) -> list[str]:
    return [line for line in path.read_text("latin-1").splitlines() if not line.startswith("#")]


# --------------------------------------------------------------- formatting


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (3.14, "3.14"),
        (100.0, "100.0"),
        (-1.123456789, "-1.123457"),
        (1e-7, "0"),
        (0.0000123456789, "0.000012"),
        (-0.0, "0.0"),
        (2153226000.1, "2153226000.1"),
        (3.14e15, "3140000000000000.0"),
        (math.inf, "inf"),
        (-math.inf, "-inf"),
        (math.nan, "nan"),
    ],
)
def test_tsv_double(value, text):
    assert format_log_double(value) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (3.14, "3.14"),
        (100.0, "100.0"),
        (1e21, "1e21"),
        (1.79e308, "1.79e308"),
        (1e-7, "1e-7"),
        (0.0000123456789, "0.0000123456789"),
        (2.23e-308, "2.23e-308"),
        (-0.0, "-0.0"),
        (2153226000.123456789, "2153226000.123457"),
        (math.inf, "null"),
        (math.nan, "null"),
    ],
)
def test_json_double(value, text):
    assert json_double(value) == text


def test_json_double_shortcut_is_exact():
    """Doubles Python writes in fixed notation take a shortcut: it must give
    RapidJSON's text (the digit-based path) for every magnitude."""
    rng = random.Random(11)
    values = [0.1 + 0.2, 1e-4, 9.999e-5, 1e15, 9.999999999999998e15, 1e16, 123.0, -1e-4]
    values += [rng.uniform(-1, 1) * 10.0 ** rng.randrange(-12, 24) for _ in range(5000)]
    values += [struct.unpack("<d", rng.randbytes(8))[0] for _ in range(5000)]
    for v in values:
        assert json_double(v) == _json_double_digits(v), v


def test_json_strings_shortcut_is_exact():
    rng = random.Random(5)
    alphabet = 'az09 ~"\\\x00\x1f\x7f\x80\xff\t\n/'
    for _ in range(3000):
        s = "".join(rng.choice(alphabet) for _ in range(rng.randrange(6)))
        assert _json_text(s) == _json_str(_escape_utf8(s, "\b\f\n\r\t")), repr(s)


def _tsv(type_name: str, value, **kw) -> str:
    return TsvFormatter([LogField("x", type_name)], **kw).line([value])[:-1]


@pytest.mark.parametrize(
    ("type_name", "value", "text"),
    [
        ("string", None, "-"),
        ("string", "", "(empty)"),
        ("string", "-", "\\x2d"),
        ("string", "(empty)", "\\x28empty)"),
        ("string", "a\tb", "a\\x09b"),
        ("string", "back\\slash", "back\\\\slash"),
        ("string", "caf\xc3\xa9", "caf\xc3\xa9"),  # valid UTF-8 kept
        ("string", "caf\xe9", "caf\\xe9"),  # invalid UTF-8 escaped
        ("string", "\xc3\xa9\n", "\\xc3\\xa9\\x0a"),  # a control escapes the whole run
        ("string", "#comment", "\\x23comment"),
        ("set[string]", [], "(empty)"),
        ("set[string]", ["a,b", "", "-"], "a\\x2cb,(empty),\\x2d"),
        ("vector[count]", [1, None, 3], "1,-,3"),
        ("bool", True, "T"),
        ("time", 1.5, "1.500000"),
        ("interval", -0.25, "-0.250000"),
        ("port", 80, "80"),
    ],
)
def test_tsv_values(type_name, value, text):
    assert _tsv(type_name, value) == text


def test_tsv_without_utf8_escapes_every_unprintable_byte():
    assert _tsv("string", "caf\xc3\xa9", utf8=False) == "caf\\xc3\\xa9"


def test_tsv_multichar_separator():
    f = TsvFormatter([LogField("a", "string"), LogField("b", "string")], separator="||")
    assert f.line(["fa||ure", "x"]) == "fa\\x7c\\x7cure||x\n"


def test_json_lines():
    fields = [
        LogField("s", "string"),
        LogField("t", "time"),
        LogField("v", "vector[count]"),
        LogField("u", "count"),
    ]
    f = JsonFormatter(fields)
    assert (
        f.line(['q"\\\t\x01', 1.5, [1, None], None])
        == '{"s":"q\\"\\\\\\t\\\\x01","t":1.5,"v":[1,null]}\n'
    )
    f = JsonFormatter(fields, include_unset=True, timestamps="JSON::TS_ISO8601")
    assert (
        f.line(["a", 1.5, [], None])
        == '{"s":"a","t":"1970-01-01T00:00:01.500000Z","v":[],"u":null}\n'
    )
    assert (
        JsonFormatter(fields, timestamps="JSON::TS_MILLIS")
        .line(["a", -1.5, [], 1])
        .startswith('{"s":"a","t":-1500,')
    )


def test_json_string_policies():
    f = lambda policy: JsonFormatter([LogField("s", "string")], string_policy=policy)  # noqa: E731
    # HEX: \n stays a JSON escape; the byte that is no UTF-8 becomes the text \xe9.
    assert f("JSON::STRING_ESCAPE_POLICY_HEX").line(["\xe9\n"]) == '{"s":"\\\\xe9\\n"}\n'
    assert f("JSON::STRING_ESCAPE_POLICY_PUA").line(["\xe9\n"]) == '{"s":"\\udb80\\udce9\\n"}\n'
    assert f("JSON::STRING_ESCAPE_POLICY_TSV").line(["a\\b"]) == '{"s":"a\\\\\\\\b"}\n'
    with pytest.raises(ValueError):
        JsonFormatter([], string_policy="JSON::NOPE")


# ------------------------------------------------------------------ schema


def test_unroll_flattens_selects_and_renames():
    cols = unroll(INFO)
    assert [c.field for c in cols] == [
        LogField("ts", "time"),
        LogField("id.orig_h", "addr"),
        LogField("id.orig_p", "port"),
        LogField("id.resp_h", "addr"),
        LogField("id.resp_p", "port"),
        LogField("n", "count"),
        LogField("node", "string"),
        LogField("tags", "set[string]"),
    ]
    names = [c.field.name for c in unroll(INFO, include={"ts", "id.orig_h"})]
    assert names == ["ts", "id.orig_h"]
    # include/exclude name columns as the scope separator makes them.
    names = [
        c.field.name
        for c in unroll(INFO, exclude={"tags", "id_orig_p", "id.resp_p"}, scope_sep="_")
    ]
    assert names == ["ts", "id_orig_h", "id_resp_h", "id_resp_p", "n", "node"]
    names = [c.field.name for c in unroll(CONN_ID, prefix="_", name_map={"_orig_h": "src"})]
    assert names == ["src", "_orig_p", "_resp_h", "_resp_p"]


def test_unroll_rejects_unloggable_types():
    bad = RecordType([_field("t", TableType([STRING], COUNT), "&log")], "Bad")
    with pytest.raises(TypeError):
        unroll(bad)


def test_rows_hold_plain_values():
    extract = row_extractor(unroll(INFO))
    r = rec(ts=1.5, id=cid(), n=3, tags=None)
    assert extract(r) == (1.5, "10.0.0.1", 1234, "10.0.0.2", 80, 3, "none", None)
    assert extract(rec(ts=2.0, n=4)) == (2.0, None, None, None, None, 4, "none", None)


def test_coerce_record():
    anon = RecordType([Field("ts", COUNT), Field("n", COUNT), Field("extra", COUNT)])
    errors = []
    r = coerce_record(rec(anon, ts=5, n=1, extra=2), INFO, report=errors.append)
    assert r._rtype is INFO and r.f_ts == 5.0 and type(r.f_ts) is float and r.f_node == "none"
    assert errors == ['orphan field "extra" in initialization']
    with pytest.raises(ScriptError, match='non-optional field "n"'):
        coerce_record(rec(RecordType([Field("ts", TIME)]), ts=1.0), INFO)
    with pytest.raises(ScriptError, match="incompatible log record type"):
        coerce_record(42, INFO)


# ------------------------------------------------------------------- batches


def test_batch_round_trip():
    fields = (LogField("s", "string"), LogField("d", "double"), LogField("v", "vector[count]"))
    rows = [["caf\xe9\x00", 0.1, [1, None]], [None, math.inf, []], ["", -0.0, [2**64 - 1]]]
    b = LogBatch("Test::LOG", "default", "test", "Log::WRITER_ASCII", fields, rows)
    data = b.encode()
    assert data.startswith(MAGIC)
    back = LogBatch.decode(data)
    assert back == b
    assert math.copysign(1.0, back.rows[2][1]) < 0


@pytest.mark.parametrize("data", [b"nope", MAGIC + b"{", MAGIC + b'{"stream": 1}', MAGIC + b"[]"])
def test_batch_decode_rejects_garbage(data):
    with pytest.raises(ValueError):
        LogBatch.decode(data)


def test_batch_rows_must_match_fields():
    b = LogBatch("S", "f", "p", "Log::WRITER_ASCII", (LogField("a", "count"),), [[1, 2]])
    with pytest.raises(ValueError):
        LogBatch.decode(b.encode())


# ------------------------------------------------------------------ manager


def test_write_path_filters_and_files(tmp_path):
    mgr = manager(tmp_path)
    assert mgr.create_stream("Test::LOG", StreamSpec(INFO, path="test"))
    assert mgr.add_filter("Test::LOG", FilterSpec("default"))
    assert mgr.add_filter("Test::LOG", FilterSpec("ids", path="ids", include={"id.orig_h"}))
    assert mgr.add_filter("Test::LOG", FilterSpec("json", path="json", config={"use_json": "T"}))
    assert not mgr.write("Test::OTHER", rec(ts=1.0, n=1))
    assert mgr.write("Test::LOG", rec(ts=1.0, id=cid(), n=1, tags=None))
    mgr.disable_stream("Test::LOG")
    assert mgr.write("Test::LOG", rec(ts=2.0, n=2))
    mgr.enable_stream("Test::LOG")
    assert mgr.write("Test::LOG", rec(ts=3.0, n=3))
    mgr.terminate()
    text = (tmp_path / "test.log").read_text()
    assert "#path\ttest\n" in text and text.endswith("\n") and "#close\t" in text
    assert rows_of(tmp_path / "test.log") == [
        "1.000000\t10.0.0.1\t1234\t10.0.0.2\t80\t1\tnone\t-",
        "3.000000\t-\t-\t-\t-\t3\tnone\t-",
    ]
    assert rows_of(tmp_path / "ids.log") == ["10.0.0.1", "-"]
    assert (tmp_path / "json.log").read_text().splitlines() == [
        '{"ts":1.0,"id.orig_h":"10.0.0.1","id.orig_p":1234,"id.resp_h":"10.0.0.2","id.resp_p":80,"n":1,"node":"none"}',
        '{"ts":3.0,"n":3,"node":"none"}',
    ]


def test_stream_without_log_fields_is_refused(tmp_path):
    mgr = manager(tmp_path)
    plain = RecordType([Field("n", COUNT)], "Plain")
    assert not mgr.create_stream("Test::LOG", StreamSpec(plain))
    assert mgr.services.errors == ["logged record type does not have any &log attributes"]


def test_path_conflict_renames_with_warning(tmp_path):
    mgr = manager(tmp_path)
    mgr.create_stream("Test::LOG", StreamSpec(INFO, path="test"))
    mgr.add_filter("Test::LOG", FilterSpec("default"))
    mgr.add_filter("Test::LOG", FilterSpec("second", path="test", include={"n"}))
    mgr.write("Test::LOG", rec(ts=1.0, n=1))
    mgr.write("Test::LOG", rec(ts=2.0, n=2))
    mgr.terminate()
    assert rows_of(tmp_path / "test-2.log") == ["1", "2"]
    assert mgr.services.warnings == [
        "Write using filter 'second' on path 'test' changed to use new path 'test-2' "
        "to avoid conflict with filter 'default'"
    ]


def test_policy_hooks_and_event(tmp_path):
    mgr = manager(tmp_path)
    seen = []

    def policy(r, sid, fval):
        seen.append((r.f_n, fval))
        if r.f_n == 2:
            return False
        r.f_node = "changed"
        return True

    mgr.create_stream("Test::LOG", StreamSpec(INFO, path="test", event="ev", policy=policy))
    mgr.add_filter("Test::LOG", FilterSpec("default", value="filter-record"))
    mgr.write("Test::LOG", rec(ts=1.0, n=1))
    mgr.write("Test::LOG", rec(ts=2.0, n=2))
    mgr.terminate()
    assert seen == [(1, "filter-record"), (2, "filter-record")]
    assert [args[0].f_n for ev, args in mgr.services.events] == [1, 2]
    assert rows_of(tmp_path / "test.log") == ["1.000000\t-\t-\t-\t-\t1\tchanged\t-"]


def test_buffering_batches_and_flush_timer(tmp_path):
    batches = []

    class Sink:
        def send(self, batch):
            batches.append(len(batch.rows))
            return True

    mgr = manager(tmp_path, **{"Log::write_buffer_size": 10, "Log::flush_interval": 1.0})
    mgr.create_stream("Test::LOG", StreamSpec(INFO, path="test"))
    mgr.add_filter("Test::LOG", FilterSpec("default", log_local=False))
    mgr.set_remote_sink(Sink())
    for i in range(25):
        mgr.write("Test::LOG", rec(ts=1.0, n=i))
    assert batches == [10, 10]
    mgr.services.advance(1.0)  # the flush timer hands on the rest
    assert batches == [10, 10, 5]
    mgr.write("Test::LOG", rec(ts=1.0, n=99))
    mgr.set_buf("Test::LOG", False)
    mgr.write("Test::LOG", rec(ts=1.0, n=100))
    assert batches == [10, 10, 5, 1, 1]
    assert not (tmp_path / "test.log").exists()  # remote only
    assert mgr.sent == 27 and mgr.dropped == 0


def test_local_writes_are_visible_after_flush(tmp_path):
    mgr = manager(tmp_path, **{"Log::write_buffer_size": 1000})
    mgr.create_stream("Test::LOG", StreamSpec(INFO, path="test"))
    mgr.add_filter("Test::LOG", FilterSpec("default"))
    mgr.write("Test::LOG", rec(ts=1.0, n=1))
    assert not (tmp_path / "test.log").exists()
    assert mgr.flush("Test::LOG")
    assert rows_of(tmp_path / "test.log") == ["1.000000\t-\t-\t-\t-\t1\tnone\t-"]
    mgr.terminate()


@pytest.fixture
def utc(monkeypatch):
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_rotation(tmp_path, utc):
    mgr = manager(tmp_path, **{"Log::write_buffer_size": 1})  # network time 2023-11-14 22:13:20 UTC
    mgr.create_stream("Test::LOG", StreamSpec(INFO, path="test"))
    mgr.add_filter("Test::LOG", FilterSpec("default", interval=3600.0))
    mgr.write("Test::LOG", rec(ts=1.0, n=1))
    mgr.services.advance(1000.0)  # 22:30: nothing yet
    assert sorted(p.name for p in tmp_path.iterdir()) == ["test.log"]
    mgr.services.advance(1800.0)  # 23:00 passed: rotated on the hour
    rotated = tmp_path / "test.2023-11-14-22-13-20.log"
    assert sorted(p.name for p in tmp_path.iterdir()) == [rotated.name]
    assert rotated.read_text().splitlines()[-1].startswith("#close\t")
    assert rows_of(rotated) == ["1.000000\t-\t-\t-\t-\t1\tnone\t-"]
    mgr.write("Test::LOG", rec(ts=2.0, n=2))
    mgr.services.advance(3600.0)  # next rotation: opened at the previous one
    assert (tmp_path / "test.2023-11-14-23-00-00.log").exists()
    mgr.terminate()


def test_rotation_postprocessor(tmp_path, utc):
    calls = []

    def post(writer, new_name, path, open_time, close_time, terminating):
        calls.append((writer, os.path.basename(new_name), path, open_time, terminating))
        return True

    mgr = manager(tmp_path)
    mgr.create_stream("Test::LOG", StreamSpec(INFO, path="test"))
    mgr.add_filter("Test::LOG", FilterSpec("default", interval=60.0, postprocessor=post))
    mgr.write("Test::LOG", rec(ts=1.0, n=1))
    mgr.services.advance(60.0)
    assert calls == [
        ("Log::WRITER_ASCII", "test.2023-11-14-22-13-20.log", "test", 1700000000.0, False)
    ]
    mgr.terminate()


def test_logdir_must_exist(tmp_path):
    mgr = manager(tmp_path / "missing")
    mgr.create_stream("Test::LOG", StreamSpec(INFO, path="test"))
    mgr.add_filter("Test::LOG", FilterSpec("default"))
    mgr.set_buf("Test::LOG", False)
    mgr.write("Test::LOG", rec(ts=1.0, n=1))
    # Zeek's wording: the writer thread's name, its error, then its end.
    assert len(mgr.services.errors) == 2
    assert mgr.services.errors[0].startswith("test/Log::WRITER_ASCII: cannot open ")
    assert mgr.services.errors[1] == "test/Log::WRITER_ASCII: terminating thread"


# ------------------------------------------------------------ writer plugins


def test_writers_are_found_by_entry_point():
    from importlib.metadata import entry_points

    names = {ep.name for ep in entry_points(group=ENTRY_POINT_GROUP)}
    assert {"ascii", "none"} <= names
    assert writer_key("Log::WRITER_ASCII") == "ascii"
    assert find_writer("Log::WRITER_ASCII") is AsciiWriter
    assert find_writer("Log::WRITER_NOPE") is None


class RecordingWriter(WriterBackend):
    """A writer plugin that records the calls it gets."""

    name = "recording"
    options_module = "LogRecording"
    OPTIONS = {"flag": False}
    calls: list = []

    def _do_init(self):
        self.calls.append(
            ("init", self.info.path, [f.name for f in self.info.fields], self.options["flag"])
        )

    def _do_write(self, rows):
        self.calls.append(("write", [list(r) for r in rows]))

    def _do_flush(self, network_time):
        self.calls.append(("flush",))

    def _do_finish(self, network_time):
        self.calls.append(("finish",))


def test_custom_writer_plugin(tmp_path, monkeypatch):
    from zscript.logs import writers

    monkeypatch.setitem(writers._FOUND, "recording", RecordingWriter)
    RecordingWriter.calls = []
    mgr = manager(tmp_path, **{"LogRecording::flag": True})
    mgr.create_stream("Test::LOG", StreamSpec(INFO, path="test"))
    mgr.add_filter(
        "Test::LOG", FilterSpec("default", writer="Log::WRITER_RECORDING", include={"n"})
    )
    mgr.write("Test::LOG", rec(ts=1.0, n=1))
    mgr.flush("Test::LOG")
    mgr.terminate()
    assert RecordingWriter.calls == [
        ("init", "test", ["n"], True),
        ("write", [[1]]),
        ("flush",),
        ("finish",),
    ]


def test_none_writer(tmp_path):
    mgr = manager(tmp_path)
    mgr.create_stream("Test::LOG", StreamSpec(INFO, path="test"))
    mgr.add_filter("Test::LOG", FilterSpec("default", writer="Log::WRITER_NONE"))
    for i in range(5):
        mgr.write("Test::LOG", rec(ts=1.0, n=i))
    mgr.terminate()
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------- the cluster seam


class FakeSink:
    """A worker's remote sink: encode, decode, hand to the logger (like PUSH/PULL)."""

    def __init__(self, logger: LogManager):
        self.logger = logger
        self.up = True

    def send(self, batch: LogBatch) -> bool:
        if not self.up:
            return False
        return self.logger.accept_remote(LogBatch.decode(batch.encode()))


def _worker(tmp_path, logger, name, *, buffer=50):
    w = manager(tmp_path / name, **{"Log::write_buffer_size": buffer, "Log::flush_interval": 1.0})
    # Workers log remotely only, as Zeek's cluster defaults have it.
    w.create_stream("Test::LOG", StreamSpec(INFO, path="test"))
    w.add_filter("Test::LOG", FilterSpec("default", log_local=False, log_remote=True))
    sink = FakeSink(logger)
    w.set_remote_sink(sink)
    return w, sink


@pytest.mark.parametrize("logger_knows_stream", [True, False])
def test_two_workers_one_logger(tmp_path, logger_knows_stream):
    n = 1234
    logger = manager(tmp_path, **{"Log::write_buffer_size": 100})
    if logger_knows_stream:
        logger.create_stream("Test::LOG", StreamSpec(INFO, path="test"))
        logger.add_filter("Test::LOG", FilterSpec("default", log_remote=False))
    workers = [_worker(tmp_path, logger, f"worker-{i}")[0] for i in (1, 2)]
    for i in range(n):
        for k, w in enumerate(workers, 1):
            w.write("Test::LOG", rec(ts=float(i), id=cid(), n=i, node=f"worker-{k}", tags=None))
    for w in workers:
        w.terminate()
    logger.terminate()
    rows = rows_of(tmp_path / "test.log")
    assert len(rows) == 2 * n
    for k in (1, 2):
        assert sorted(
            int(r.split("\t")[5]) for r in rows if r.split("\t")[6] == f"worker-{k}"
        ) == list(range(n))
    assert logger.received == 2 * n
    assert all(w.sent == n and w.dropped == 0 for w in workers)
    assert not any(
        p.name.endswith(".log") for w in ("worker-1", "worker-2") for p in (tmp_path / w).glob("*")
    )
    header = (tmp_path / "test.log").read_text().splitlines()[6]
    assert header == "#fields\tts\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tn\tnode\ttags"


def test_undeliverable_batches_are_counted(tmp_path):
    logger = manager(tmp_path)
    w, sink = _worker(tmp_path, logger, "worker-1", buffer=10)
    sink.up = False
    for i in range(25):
        w.write("Test::LOG", rec(ts=1.0, n=i))
    w.terminate()
    assert (w.dropped, w.dropped_batches, w.sent) == (25, 3, 0)
    assert w.stats()["dropped"] == 25
    assert len(w.services.warnings) == 2  # the first failure, and the total at shutdown
    assert w.services.warnings[-1] == "25 log records could not be delivered to a logger"


def test_logger_restart_loses_nothing_sent_after_it_is_back(tmp_path):
    """While the logger is down the sender counts what it cannot deliver; a new
    logger process (same log directory) gets every record sent after it started."""
    (tmp_path / "run1").mkdir()
    (tmp_path / "run2").mkdir()
    first = manager(tmp_path / "run1")
    w, sink = _worker(tmp_path, first, "worker-1", buffer=5)
    for i in range(10):
        w.write("Test::LOG", rec(ts=1.0, n=i))
    first.terminate()  # the logger goes away
    sink.up = False
    for i in range(10, 17):
        w.write("Test::LOG", rec(ts=1.0, n=i))
    w.services.advance(1.0)  # flush timer: the partial batch is lost as well
    second = manager(tmp_path / "run2")  # the restarted logger
    sink.logger, sink.up = second, True
    for i in range(17, 40):
        w.write("Test::LOG", rec(ts=1.0, n=i))
    w.terminate()
    second.terminate()
    before = [int(r.split("\t")[5]) for r in rows_of(tmp_path / "run1" / "test.log")]
    after = [int(r.split("\t")[5]) for r in rows_of(tmp_path / "run2" / "test.log")]
    assert before == list(range(10))
    assert after == list(range(17, 40))
    assert w.dropped == 7 and w.sent == 33


def test_accept_remote_rejects_mismatched_columns(tmp_path):
    logger = manager(tmp_path)
    fields = (LogField("a", "count"),)
    assert logger.accept_remote(
        LogBatch("S::LOG", "default", "s", "Log::WRITER_ASCII", fields, [[1]])
    )
    other = (LogField("a", "string"),)
    assert not logger.accept_remote(
        LogBatch("S::LOG", "default", "s", "Log::WRITER_ASCII", other, [["x"]])
    )
    logger.terminate()
    assert rows_of(tmp_path / "s.log") == ["1"]
    assert len(logger.services.errors) == 1


# ------------------------------------------------------ scripts, in process


def _host_run(tmp_path, monkeypatch, source: str):
    from zscript.diagnostics import SourceFile
    from zscript.host import Host

    monkeypatch.chdir(tmp_path)
    out, err = io.StringIO(), io.StringIO()
    host = Host(virtual_time=True, stdout=out, stderr=err)
    host.load_source(SourceFile("t.zs", source))
    host.finish_loading()
    rc = host.run()
    return host, rc, out.getvalue(), err.getvalue()


def test_host_exposes_the_manager(tmp_path, monkeypatch):
    host, rc, out, err = _host_run(
        tmp_path,
        monkeypatch,
        """
@load base/frameworks/logging
module Tst;
export { redef enum Log::ID += { LOG }; type Info: record { n: count &log; }; }
event zeek_init() { Log::create_stream(Tst::LOG, [$columns=Info, $path="t"]); Log::write(Tst::LOG, [$n=7]); }
""",
    )
    assert (rc, err) == (0, "")
    assert isinstance(host.subsystems["logs"], LogManager)
    assert rows_of(tmp_path / "t.log") == ["7"]


def test_record_level_log_attribute(tmp_path, monkeypatch):
    host, rc, out, err = _host_run(
        tmp_path,
        monkeypatch,
        """
@load base/frameworks/logging
module Tst;
export { redef enum Log::ID += { LOG }; type Info: record { n: count; s: string &optional; } &log; }
event zeek_init() { Log::create_stream(Tst::LOG, [$columns=Info, $path="t"]); Log::write(Tst::LOG, [$n=7]); }
""",
    )
    assert err == ""
    assert rows_of(tmp_path / "t.log") == ["7\t-"]


def test_typed_policy_hook(tmp_path, monkeypatch):
    host, rc, out, err = _host_run(
        tmp_path,
        monkeypatch,
        """
@load base/frameworks/logging
module Tst;
export { redef enum Log::ID += { LOG }; type Info: record { n: count &log; }; global pol: Log::PolicyHook; }
hook Tst::pol(rec: Tst::Info, id: Log::ID, filter: Log::Filter) { if ( rec$n == 2 ) break; }
event zeek_init() {
	Log::create_stream(Tst::LOG, [$columns=Info, $path="t", $policy=pol]);
	Log::write(Tst::LOG, [$n=1]);
	Log::write(Tst::LOG, [$n=2]);
}
""",
    )
    assert err == ""
    assert rows_of(tmp_path / "t.log") == ["1"]


def test_script_rotation_and_postprocessor(tmp_path, monkeypatch, utc):
    """Rotation through the scripts: Log::rotation_format_func names the files
    (``path.<open>`` with the ASCII writer's default postprocessor,
    ``path-<yy-mm-dd_HH.MM.SS>`` with a filter's own), postprocessors get a
    Log::RotationInfo, and a file open at shutdown is rotated once more."""
    host, rc, out, err = _host_run(
        tmp_path,
        monkeypatch,
        """
@load base/frameworks/logging
redef exit_only_after_terminate = T;
redef Log::default_rotation_interval = 1 hr;
redef Log::flush_interval = 10 min;
module Tst;
export { redef enum Log::ID += { LOG, OTHER }; type Info: record { n: count &log; }; }
global stop: event();
function pp(info: Log::RotationInfo): bool
	{
	local expected = fmt("%s-%s.log", info$path, strftime("%y-%m-%d_%H.%M.%S", info$open));
	print "postprocessor", info$writer, info$path, info$terminating, info$fname == expected;
	return T;
	}
event stop() { Log::write(Tst::LOG, [$n=3]); terminate(); }
event zeek_init()
	{
	Log::create_stream(Tst::LOG, [$columns=Info, $path="t"]);
	Log::create_stream(Tst::OTHER, [$columns=Info, $path="o"]);
	Log::remove_default_filter(Tst::OTHER);
	Log::add_filter(Tst::OTHER, [$name="pp", $path="o", $postprocessor=pp, $interv=30 min]);
	Log::write(Tst::LOG, [$n=1]);
	Log::write(Tst::OTHER, [$n=2]);
	schedule 90 min { stop() };
	}
""",
    )
    assert rc == 0
    assert err == "received termination signal\n"
    names = sorted(p.name for p in tmp_path.iterdir())
    rotated_t = [n for n in names if re.fullmatch(r"t\.\d{4}(-\d\d){5}\.log", n)]
    rotated_o = [n for n in names if re.fullmatch(r"o-\d\d(-\d\d){2}_\d\d(\.\d\d){2}\.log", n)]
    assert len(rotated_t) == 2 and "t.log" not in names  # on the hour, then at shutdown
    assert [rows_of(tmp_path / n) for n in rotated_t] == [["1"], ["3"]]
    assert len(rotated_o) == 1 and "o.log" not in names
    assert rows_of(tmp_path / rotated_o[0]) == ["2"]
    assert out == "postprocessor, Log::WRITER_ASCII, o, F, T\n"


def test_a_file_is_logged_as_its_name(tmp_path):
    # Zeek's ValToLogVal logs a file value as the file's name (print shows
    # ``file "NAME" of string``).
    from zscript.logs.schema import value_converter
    from zscript.runtime.files import ScriptFile

    f = ScriptFile(str(tmp_path / "Foo.log"), "w", 0.0)
    try:
        assert value_converter(ScriptFile.ztype)(f) == str(tmp_path / "Foo.log")
    finally:
        f.close()
