"""The store codec's direct paths write and read exactly what Zeek's JSON does.

``zscript/storage/codec.py`` encodes ``count``, ``int``, ``bool`` and plain
ASCII ``string`` keys and values without the generic JSON functions; the
text must be the same (files written before stay readable, both paths may
meet on the wire) and bad text must still be refused.
"""

from __future__ import annotations

import pytest

from zscript.runtime.builtins.json import value_from_json, value_to_json
from zscript.storage.codec import CodecError, TypedCodec
from zscript.types import BASIC_TYPES, TableType

COUNT, INT, STRING, BOOL = (BASIC_TYPES[n] for n in ("count", "int", "string", "bool"))

SAMPLES = {
    "count": [0, 1, 42, 10**12, (1 << 64) - 1],
    "int": [0, -1, 7, -(1 << 63), (1 << 63) - 1],
    "string": ["", "abc", "with space", 'quote"d', "back\\slash", "tab\there", "\x01", "é", "~}"],
    "bool": [True, False],
}


@pytest.mark.parametrize("tag", sorted(SAMPLES))
def test_direct_paths_match_zeeks_json(tag):
    t = BASIC_TYPES[tag]
    codec = TypedCodec(TableType([t], t))
    for v in SAMPLES[tag]:
        text = value_to_json(v, t)
        assert codec.dump_key(v) == text, v
        assert codec.dump_value(v) == text, v
        assert codec.load_key(text) == value_from_json(text, t), text
        assert codec.load_value(text) == value_from_json(text, t), text


@pytest.mark.parametrize(
    ("t", "text"),
    [
        (COUNT, "-1"),
        (COUNT, "01"),
        (COUNT, str(1 << 64)),
        (COUNT, "1.5"),
        (COUNT, '"1"'),
        (INT, str(1 << 63)),
        (INT, "--1"),
        (STRING, "abc"),
        (STRING, '"abc'),
        (STRING, "5"),
        (BOOL, "True"),
        # The wire form of counts and ints: a JSON number in range, not a bool or a double.
        (COUNT, -1),
        (COUNT, 1 << 64),
        (INT, 1 << 63),
        (INT, -(1 << 63) - 1),
        (COUNT, True),
        (INT, 1.0),
    ],
)
def test_bad_text_is_refused(t, text):
    codec = TypedCodec(TableType([t], t))
    with pytest.raises(CodecError):
        codec.load_key(text)
    with pytest.raises(CodecError):
        codec.load_value(text)


def test_multi_index_keys_round_trip():
    codec = TypedCodec(TableType([STRING, COUNT], None))
    key = ("a b", 5)
    text = codec.dump_key(key)
    assert text == '["\\"a b\\"", "5"]'
    assert codec.load_key(text) == key
    assert codec.dump_value(None) == "" and codec.load_value("") is None


def test_counts_and_ints_travel_as_json_numbers():
    codec = TypedCodec(TableType([COUNT], INT))
    writes = [5, -5, 0, 7]
    assert codec.wire_key(5) == 5 and codec.wire_value(-5) == -5
    assert codec.wire_writes(writes) == writes
    # Both forms are read: the number, and the text a file holds.
    for form in (5, "5"):
        assert codec.load_key(form) == 5
    assert codec.load_value(-5) == codec.load_value("-5") == -5


def test_a_table_of_other_types_keeps_texts_on_the_wire():
    codec = TypedCodec(TableType([STRING], COUNT))
    assert codec.wire_writes(["a", 1, "b", 2]) == ['"a"', 1, '"b"', 2]
    codec = TypedCodec(TableType([COUNT], STRING))
    assert codec.wire_writes([1, "x"]) == [1, '"x"']
    codec = TypedCodec(TableType([COUNT], None))  # a set: no value
    assert codec.wire_writes([1, None]) == [1, ""]
