"""How replicated stores name keys and put keys and values on the wire.

A store works with *store keys*: the form in which it indexes its data.

:class:`TypedCodec` (``&backend`` tables)
    The table's own keys are the store keys (a value, or a tuple for a
    multi-index table).  On the wire and in a persistent file a key is
    Zeek's JSON of the index (a JSON array of the JSON texts of the parts
    for a multi-index table) and a value is Zeek's JSON of the table's
    yield type (empty for sets): both ends know the types from the script.
    In a replicated store's messages (:meth:`TypedCodec.wire_key`,
    :meth:`~TypedCodec.wire_value`) a single ``count`` or ``int`` key and a
    ``count`` or ``int`` value are the JSON number itself (the loaders take
    both forms): a loop of writes into such a table makes no text per write.

:class:`AnyCodec` (``Broker::create_master`` stores, whose keys and values are ``any``)
    A value travels with its type: ``<type name>|<Zeek JSON>``, e.g.
    ``count|5`` or ``table[string] of count|{"a":1}``.  The text of a key
    is also its store key, so two keys are the same entry exactly when
    their type and JSON text agree (``5`` as count and ``5`` as int are
    different keys, as in Broker).  Named types (records, enums, ``type``
    declarations) are looked up by name on the receiving node, which must
    have loaded the same declarations.

Both raise :class:`CodecError` for text that does not decode.

Keys and values of the common atomic types (``count``, ``int``, ``bool``,
and ``string`` of printable ASCII) take a direct path that writes and reads
exactly the text Zeek's JSON functions do (checked by the tests), without
going through them: they are most of what ``&backend`` tables hold, and the
generic path costs a JSON parse per key and value.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from ..runtime.builtins.json import FromJSONError, value_from_json, value_to_json
from ..runtime.values import box, type_of, unbox
from ..types import BASIC_TYPES, TableType, Type, VectorType

__all__ = ["AnyCodec", "CodecError", "TypedCodec", "parse_type_name"]


class CodecError(Exception):
    """Stored or received text that does not decode as the expected type."""


def _load(text: str, t: Type):
    try:
        return value_from_json(text, t)
    except FromJSONError as e:
        raise CodecError(str(e)) from None
    except Exception as e:  # noqa: BLE001 - e.g. an unknown enum name
        raise CodecError(f"{type(e).__name__}: {e}") from None


#: A string written by Zeek's JSON as itself between quotes (printable
#: ASCII without quote or backslash), and a count or int as written.
_PLAIN_STRING = re.compile(r"[\x20\x21\x23-\x5b\x5d-\x7e]*")
_COUNT_TEXT = re.compile(r"0|[1-9][0-9]{0,19}")
_INT_TEXT = re.compile(r"-?(?:0|[1-9][0-9]{0,18})")
_UINT64_END = 1 << 64
_INT64_MIN, _INT64_END = -(1 << 63), 1 << 63


def _dumper(t: Type) -> Callable:
    """``v -> text`` for type ``t``: direct for the common atomic types."""
    tag = t.tag
    if tag in ("count", "int"):
        return lambda v: value_to_json(v, t) if type(v) is not int else str(v)
    if tag == "string":

        def dump_string(v, plain=_PLAIN_STRING.fullmatch):
            if type(v) is str and plain(v):
                return '"' + v + '"'
            return value_to_json(v, t)

        return dump_string
    return lambda v: value_to_json(v, t)


def _bulk_dumper(t: Type) -> Callable[[list], list]:
    """``[v, ...] -> [text, ...]`` for type ``t``: :func:`_dumper` over a list,
    with the common atomic types written inline (no call per element)."""
    one = _dumper(t)
    tag = t.tag
    if tag in ("count", "int"):
        return lambda vs: [str(v) if type(v) is int else one(v) for v in vs]
    if tag == "string":
        plain = _PLAIN_STRING.fullmatch
        return lambda vs: ['"' + v + '"' if type(v) is str and plain(v) else one(v) for v in vs]
    return lambda vs: list(map(one, vs))


def _loader(t: Type) -> Callable:
    """``text -> v`` for type ``t`` (raising CodecError): direct where it can."""
    tag = t.tag
    if tag in ("count", "int"):
        pattern = _COUNT_TEXT if tag == "count" else _INT_TEXT
        lo, end = (0, _UINT64_END) if tag == "count" else (_INT64_MIN, _INT64_END)

        def load_number(text, match=pattern.fullmatch):
            if type(text) is int:  # a JSON number (the wire form, see TypedCodec)
                if lo <= text < end:
                    return text
                raise CodecError(f"{text} is out of range for {tag}")
            if type(text) is str and match(text):
                v = int(text)
                if lo <= v < end:
                    return v
            return _load(text, t)

        return load_number
    if tag == "string":

        def load_string(text, plain=_PLAIN_STRING.fullmatch):
            if type(text) is str and len(text) >= 2 and text[0] == text[-1] == '"':
                inner = text[1:-1]
                if plain(inner):
                    return inner
            return _load(text, t)

        return load_string
    if tag == "bool":
        return lambda text: True if text == "true" else False if text == "false" else _load(text, t)
    return lambda text: _load(text, t)


def _same(x):
    return x


class TypedCodec:
    """Keys and values of a table type known to both ends."""

    def __init__(self, ttype: TableType):
        self.indices = list(ttype.indices)
        self.yield_ = ttype.yield_
        self._dumps = [_dumper(i) for i in self.indices]
        self._loads = [_loader(i) for i in self.indices]
        if len(self.indices) == 1:
            self.dump_key = self._dumps[0]
            self.load_key = self._loads[0]
        if len(self.indices) == 1:
            self.dump_keys = _bulk_dumper(self.indices[0])
        if self.yield_ is not None:
            self.dump_value = _dumper(self.yield_)
            self.load_value = _loader(self.yield_)
            self.dump_values = _bulk_dumper(self.yield_)
        # The wire form (replicated stores' messages) of a count or int is the
        # JSON number itself: no text made per key and value.
        numbers = ("count", "int")
        one_number = len(self.indices) == 1 and self.indices[0].tag in numbers
        self.wire_key = _same if one_number else self.dump_key
        yield_number = self.yield_ is not None and self.yield_.tag in numbers
        self.wire_value = _same if yield_number else self.dump_value

    def store_key(self, key):
        return unbox(key)  # a key given as ``any`` (Broker::get on the table's store)

    def key_value(self, sk):
        return sk

    def dump_key(self, sk) -> str:
        if len(self.indices) == 1:
            return self._dumps[0](sk)
        return json.dumps([f(x) for x, f in zip(sk, self._dumps, strict=True)])

    def wire_writes(self, kv: list) -> list:
        """The wire forms of ``[key, value, key, value ...]`` (a clone's noted
        writes), in that order: the list itself when keys and values are
        counts or ints (JSON numbers), else their texts."""
        native_key = self.wire_key is _same
        native_value = self.wire_value is _same
        if native_key and native_value:
            return kv
        out = [None] * len(kv)
        out[0::2] = kv[0::2] if native_key else self.dump_keys(kv[0::2])
        out[1::2] = kv[1::2] if native_value else self.dump_values(kv[1::2])
        return out

    def dump_keys(self, sks: list) -> list[str]:
        """:meth:`dump_key` of each (many at once: direct for atomic types)."""
        return [self.dump_key(sk) for sk in sks]

    def dump_values(self, vs: list) -> list[str]:
        """:meth:`dump_value` of each."""
        return [self.dump_value(v) for v in vs]

    def load_key(self, text: str):
        if len(self.indices) == 1:
            return self._loads[0](text)
        try:
            parts = json.loads(text)
        except ValueError as e:
            raise CodecError(str(e)) from None
        if not isinstance(parts, list) or len(parts) != len(self.indices):
            raise CodecError("index type doesn't match")
        return tuple(f(p) for p, f in zip(parts, self._loads, strict=True))

    def dump_value(self, v) -> str:
        return "" if self.yield_ is None else value_to_json(v, self.yield_)

    def load_value(self, text: str):
        return None if self.yield_ is None else _load(text, self.yield_)


class AnyCodec:
    """Self-describing keys and values (``<type name>|<JSON>``)."""

    def __init__(self, lookup: Callable[[str], Type | None]):
        #: Named-type lookup (``host.script_type``).
        self.lookup = lookup

    def dump(self, v) -> str:
        t = type_of(v)
        if t is None:
            raise CodecError(f"value of unknown type: {v!r}")
        return f"{t.describe()}|{value_to_json(unbox(v), t)}"

    def load(self, text: str):
        name, sep, body = text.partition("|")
        if not sep:
            raise CodecError(f"missing type in {text[:40]!r}")
        t = parse_type_name(name, self.lookup)
        return box(_load(body, t), t)

    store_key = dump
    key_value = load
    dump_value = dump
    load_value = load

    def dump_key(self, sk: str) -> str:
        return sk

    def load_key(self, text: str) -> str:
        return text


def parse_type_name(text: str, lookup: Callable[[str], Type | None]) -> Type:
    """A type from its Zeek name (``table[string,count] of vector of addr``)."""
    t, rest = _parse(text.strip(), lookup)
    if rest.strip():
        raise CodecError(f"cannot parse type name {text!r}")
    return t


def _parse(s: str, lookup) -> tuple[Type, str]:
    for head in ("set[", "table["):
        if s.startswith(head):
            idx, rest = _parse_list(s[len(head) :], lookup)
            if head == "set[":
                return TableType(idx, None), rest
            if not rest.startswith(" of "):
                raise CodecError(f"cannot parse type name {s!r}")
            y, rest = _parse(rest[4:], lookup)
            return TableType(idx, y), rest
    if s.startswith("vector of "):
        e, rest = _parse(s[len("vector of ") :], lookup)
        return VectorType(e), rest
    end = len(s)
    for stop in (",", "]"):
        i = s.find(stop)
        if i >= 0:
            end = min(end, i)
    name, rest = s[:end].strip(), s[end:]
    t = BASIC_TYPES.get(name) or lookup(name)
    if t is None:
        raise CodecError(f"unknown type {name!r}")
    return t, rest


def _parse_list(s: str, lookup) -> tuple[list[Type], str]:
    out = []
    while True:
        t, s = _parse(s, lookup)
        out.append(t)
        if s.startswith(","):
            s = s[1:]
            continue
        if s.startswith("]"):
            return out, s[1:]
        raise CodecError("unterminated index list in type name")
