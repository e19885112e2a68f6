"""Unit tests of the input framework's parts: field parsing and the readers.

The readers are driven directly (no thread, no host): their messages are
collected from the ``send`` callback, so each test sees exactly what a
reader tells the input manager, in order.  Scripts using the framework
end to end are golden tests (``tests/golden/input``).
"""

from __future__ import annotations

import os
import sys
import time

import pytest

from zscript.asciifmt import SeparatorInfo, unescape
from zscript.input.fields import Field, UnrollError, unroll_record_type
from zscript.input.formatter import AsciiParser, ParseError
from zscript.input.reader import MODE_MANUAL, MODE_REREAD, MODE_STREAM, ReaderInfo
from zscript.input.readers.ascii import AsciiReader
from zscript.input.readers.config import ConfigReader
from zscript.input.readers.raw import RawReader
from zscript.types import (
    BOOL,
    COUNT,
    INT,
    PORT,
    STRING,
    RecordType,
    TableType,
    VectorType,
)
from zscript.types import (
    Field as RField,
)

# --------------------------------------------------------------- formatter


@pytest.fixture
def parser():
    warnings: list[str] = []
    p = AsciiParser(SeparatorInfo(), warnings.append)
    p.warnings = warnings
    return p


@pytest.mark.parametrize(
    ("text", "tag", "value"),
    [
        ("T", "bool", True),
        (" 0 ", "bool", False),
        ("-42", "int", -42),
        ("18446744073709551615", "count", 2**64 - 1),
        ("3.5", "double", 3.5),
        ("1e3", "interval", 1000.0),
        ("hu\\x09rz", "string", "hu\trz"),
        ("-", "string", None),
    ],
)
def test_parse_atoms(parser, text, tag, value):
    assert parser.parse(text, "f", tag) == value
    assert parser.warnings == []


def test_parse_port_address_subnet(parser):
    p = parser.parse("53/udp", "p", "port")
    assert (p.num, p.proto) == (53, "udp")
    assert str(parser.parse("[2001:db8::1]", "a", "addr")) == "2001:db8::1"
    assert str(parser.parse("10.1.2.3/8", "s", "subnet")) == "10.0.0.0/8"
    assert parser.warnings == []


@pytest.mark.parametrize(
    ("text", "tag", "warning"),
    [
        ("Justtext", "int", "String 'Justtext' contained no parseable number"),
        ("", "count", "Got empty string for number field"),
        ("-1", "count", "Number '-1' cannot be negative"),
        ("99999999999999999999", "int", "Number '99999999999999999999' out of supported range."),
        ("maybe", "bool", "Field: f Invalid value for boolean: maybe"),
        ("10.0.0.1", "subnet", "Invalid value for subnet: 10.0.0.1"),
        ("/a/x", "pattern", "String '/a/x' contained no parseable pattern."),
    ],
)
def test_parse_errors_are_warned(parser, text, tag, warning):
    with pytest.raises(ParseError):
        parser.parse(text, "f", tag)
    assert parser.warnings[0] == warning


def test_trailing_text_is_a_warning_not_an_error(parser):
    assert parser.parse("12abc", "f", "int") == 12
    assert parser.warnings == [
        "Number '12abc' contained non-numeric trailing characters. Ignored trailing characters 'abc'"
    ]


def test_bad_address_becomes_zero_with_a_warning(parser):
    assert str(parser.parse("342.2.3.4", "a", "addr")) == "0.0.0.0"
    assert parser.warnings == ["Bad address: 342.2.3.4"]


@pytest.mark.parametrize(
    ("text", "elems"),
    [
        ("a,b", ["a", "b"]),
        ("(empty)", []),
        ("a,", ["a", ""]),
        (",a", ["", "a"]),
        (",", ["", ""]),
        ("", [""]),
    ],
)
def test_containers(parser, text, elems):
    assert parser.parse(text, "s", "table", "string") == elems


def test_pattern_flags(parser):
    p = parser.parse("/dog/i", "p", "pattern")
    assert p.match_exact("DOG")
    assert not parser.parse("/dog/", "p", "pattern").match_exact("DOG")


def test_unescape_is_the_inverse_of_hex_escaping():
    assert unescape("a\\x7cb\\x5cx") == "a|b\\x"
    assert unescape("no escapes") == "no escapes"


# ------------------------------------------------------------------ fields


def test_unroll_flattens_records_and_reports_what_cannot_be_read():
    inner = RecordType([RField("a", INT), RField("b", TableType([STRING], None))], "In")
    outer = RecordType([RField("x", PORT, {"&optional": None}), RField("sub", inner)], "Out")
    fields = unroll_record_type(outer, allow_file_func=False, report=None)
    assert [(f.name, f.tag, f.subtype, f.optional) for f in fields] == [
        ("x", "port", None, True),
        ("sub.a", "int", None, False),
        ("sub.b", "table", "string", False),
    ]
    reports = []
    bad = RecordType([RField("t", TableType([STRING], STRING))], "Bad")
    with pytest.raises(UnrollError):
        unroll_record_type(bad, allow_file_func=False, report=lambda *a: reports.append(a))
    assert reports == [
        ("error", 'Incompatible type "table" in type definition for field "t" in ReaderFrontend')
    ]


# ----------------------------------------------------------------- readers


def _fields(*spec) -> list[Field]:
    types = {"int": INT, "count": COUNT, "bool": BOOL, "string": STRING}
    out = []
    for name, tag in spec:
        if tag == "set":
            out.append(Field(name, "table", "string", TableType([STRING], None)))
        elif tag == "vector":
            out.append(Field(name, "vector", "count", VectorType(COUNT)))
        else:
            out.append(Field(name, tag, None, types[tag]))
    return out


_OPEN: list = []


@pytest.fixture(autouse=True)
def _finish_readers():
    """Every reader a test starts is finished (files closed, commands stopped)."""
    yield
    while _OPEN:
        _OPEN.pop().finish()


def _run(cls, source, fields, mode=MODE_MANUAL, config=None, options=None, script_options=None):
    msgs: list[tuple] = []
    opts = dict(cls.options)
    opts.update(options or {})
    info = ReaderInfo(source, "s", mode, dict(config or {}), opts, dict(script_options or {}))
    reader = cls(info, lambda kind, *args: msgs.append((kind, *args)))
    _OPEN.append(reader)
    ok = reader.init(fields)
    return reader, ok, msgs


def _kinds(msgs):
    return [m[0] for m in msgs]


def test_ascii_reads_columns_by_name(tmp_path):
    src = tmp_path / "in.log"
    src.write_text(
        "#separator \\x09\n#fields\tb\ti\textra\n#types\tbool\tint\tstring\nT\t1\tx\nF\t2\ty\n"
    )
    _, ok, msgs = _run(AsciiReader, str(src), _fields(("i", "int"), ("b", "bool")))
    assert ok
    assert msgs == [
        ("send_entry", [1, True], 4),
        ("send_entry", [2, False], 5),
        ("end_current_send",),
    ]


def test_ascii_warns_with_location_and_suppresses_repeats(tmp_path):
    src = tmp_path / "in.log"
    src.write_text("#fields\ti\tj\n1\n2\n3\t3\n4\n")
    _, ok, msgs = _run(AsciiReader, str(src), _fields(("i", "int"), ("j", "int")))
    warnings = [m[3] for m in msgs if m[0] == "message"]
    name = str(src)
    assert warnings == [
        f"{name}, line 2: Not enough fields in line '1' of {name}. Found 0 fields, want positions 1 and -1",
        f"{name}, line 4: Suppressed 1 warning(s)",
        f"{name}, line 5: Not enough fields in line '4' of {name}. Found 0 fields, want positions 1 and -1",
    ]
    assert ("send_entry", [3, 3], 4) in msgs


def test_ascii_missing_field_and_missing_file(tmp_path):
    src = tmp_path / "in.log"
    src.write_text("#fields\ti\n1\n")
    _, ok, msgs = _run(AsciiReader, str(src), _fields(("i", "int"), ("j", "int")))
    assert ok  # a file problem is a warning unless fail_on_file_problem
    assert msgs[0][:3] == (
        "message",
        "warning",
        f"Did not find requested field j in input data file {src}.",
    )
    _, ok, msgs = _run(
        AsciiReader,
        str(tmp_path / "nope"),
        _fields(("i", "int")),
        options={"InputAscii::fail_on_file_problem": True},
    )
    assert not ok
    assert _kinds(msgs) == ["message", "disable", "message"]
    assert msgs[0][2] == f"Init: cannot open {tmp_path / 'nope'}"


def test_ascii_config_overrides_separators(tmp_path):
    src = tmp_path / "in.log"
    src.write_text("#fields|s|v\na;b|1;2;3\n")
    _, _, msgs = _run(
        AsciiReader,
        str(src),
        _fields(("s", "set"), ("v", "vector")),
        config={"separator": "|", "set_separator": ";"},
    )
    assert msgs[0] == ("send_entry", [["a", "b"], [1, 2, 3]], 2)


def test_ascii_reread_only_reads_changed_files(tmp_path):
    src = tmp_path / "in.log"
    src.write_text("#fields\ti\n1\n")
    reader, _, msgs = _run(AsciiReader, str(src), _fields(("i", "int")), mode=MODE_REREAD)
    assert _kinds(msgs) == ["send_entry", "end_current_send"]
    reader.update()
    assert len(msgs) == 2  # unchanged: nothing sent
    src.write_text("#fields\ti\n1\n2\n")
    os.utime(src, (1, 1))
    reader.update()
    assert [m[1] for m in msgs[2:] if m[0] == "send_entry"] == [[1], [2]]


def test_ascii_stream_reads_appended_lines(tmp_path):
    src = tmp_path / "in.log"
    src.write_text("#fields\ti\n1\n")
    reader, _, msgs = _run(AsciiReader, str(src), _fields(("i", "int")), mode=MODE_STREAM)
    # As in Zeek, line numbers count from each update's start in STREAM mode.
    assert msgs == [("put", [1], 1)]
    with open(src, "a") as f:
        f.write("2\n3")  # the last line is not complete yet
    reader.update()
    assert msgs[1:] == [("put", [2], 1)]
    with open(src, "a") as f:
        f.write("\n")
    reader.update()
    assert msgs[2:] == [("put", [3], 1)]


def test_raw_reads_a_commands_output_and_its_exit():
    reader, ok, msgs = _run(
        RawReader,
        "printf 'a\\nb\\nc'; exit 3 |",
        _fields(("s", "string")),
        mode=MODE_STREAM,
    )
    assert ok
    for _ in range(500):
        if any(m[0] == "event" for m in msgs):
            break
        time.sleep(0.01)
        reader.update()
    lines = [m[1] for m in msgs if m[0] == "put"]
    assert all(m[2] is None for m in msgs if m[0] == "put")  # no line numbers
    assert lines == [["a"], ["b"], ["c"]]
    errors = [m[2] for m in msgs if m[0] == "message"]
    assert errors == ["Child process exited with non-zero return code 3"]
    event = next(m for m in msgs if m[0] == "event")
    assert event[1] == "InputRaw::process_finished"
    assert [v for v, _t in event[2]] == ["s", "printf 'a\\nb\\nc'; exit 3 |", 3, False]


def test_raw_file_with_stdin_and_separator(tmp_path):
    src = tmp_path / "in.txt"
    src.write_bytes(b"one|two|three")
    _, ok, msgs = _run(
        RawReader,
        str(src),
        _fields(("s", "string")),
        options={"InputRaw::record_separator": "|"},
    )
    assert ok
    assert msgs == [
        ("put", ["one"], None),
        ("put", ["two"], None),
        ("put", ["three"], None),
        ("end_current_send",),
    ]
    _, ok, msgs = _run(
        RawReader,
        f"{sys.executable} -c 'import sys; print(sys.stdin.read().upper())' |",
        _fields(("s", "string")),
        config={"stdin": "hello"},
    )
    assert ("put", ["HELLO"], None) in msgs


def test_raw_checks_its_fields():
    _, ok, msgs = _run(RawReader, "x", _fields(("s", "int")))
    assert not ok
    assert msgs[0][2] == "First field for raw reader always has to be of type string."


def test_config_reader_types_and_changes(tmp_path):
    src = tmp_path / "cfg"
    src.write_text("# comment\nflag T\nnums 1,2,3,\nnums 1,2,3,\nnope 1\nflag maybe\nbad\n")
    options = {"flag": BOOL, "nums": VectorType(COUNT)}
    _, ok, msgs = _run(
        ConfigReader,
        str(src),
        _fields(("option_nv", "string"), ("option_nv", "string")),
        mode=MODE_REREAD,
        script_options=options,
    )
    assert ok
    events = [m[2][2:] for m in msgs if m[0] == "event"]
    assert events == [
        [("flag", None), (True, BOOL)],
        [("nums", None), ([1, 2, 3], options["nums"])],
    ]
    warnings = [m[2] for m in msgs if m[0] == "message"]
    assert warnings == [
        "Option 'nope' does not exist. Ignoring line.",
        "Field: flag Invalid value for boolean: maybe",
        "Could not convert line 'flag maybe' to value. Ignoring line.",
        "Could not parse 'bad'; line has invalid format. Ignoring line.",
    ]
    assert [m[1] for m in msgs if m[0] == "send_entry"] == [["flag", "T"], ["nums", "1,2,3"]]
