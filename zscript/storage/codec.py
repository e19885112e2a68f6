"""How replicated stores name keys and put keys and values on the wire.

A store works with *store keys*: the form in which it indexes its data.

:class:`TypedCodec` (``&backend`` tables)
    The table's own keys are the store keys (a value, or a tuple for a
    multi-index table).  On the wire and in a persistent file a key is
    Zeek's JSON of the index (a JSON array of the JSON texts of the parts
    for a multi-index table) and a value is Zeek's JSON of the table's
    yield type (empty for sets): both ends know the types from the script.

:class:`AnyCodec` (``Broker::create_master`` stores, whose keys and values are ``any``)
    A value travels with its type: ``<type name>|<Zeek JSON>``, e.g.
    ``count|5`` or ``table[string] of count|{"a":1}``.  The text of a key
    is also its store key, so two keys are the same entry exactly when
    their type and JSON text agree (``5`` as count and ``5`` as int are
    different keys, as in Broker).  Named types (records, enums, ``type``
    declarations) are looked up by name on the receiving node, which must
    have loaded the same declarations.

Both raise :class:`CodecError` for text that does not decode.
"""

from __future__ import annotations

import json
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


class TypedCodec:
    """Keys and values of a table type known to both ends."""

    def __init__(self, ttype: TableType):
        self.indices = list(ttype.indices)
        self.yield_ = ttype.yield_

    def store_key(self, key):
        return unbox(key)  # a key given as ``any`` (Broker::get on the table's store)

    def key_value(self, sk):
        return sk

    def dump_key(self, sk) -> str:
        if len(self.indices) == 1:
            return value_to_json(sk, self.indices[0])
        return json.dumps([value_to_json(x, t) for x, t in zip(sk, self.indices, strict=True)])

    def load_key(self, text: str):
        if len(self.indices) == 1:
            return _load(text, self.indices[0])
        try:
            parts = json.loads(text)
        except ValueError as e:
            raise CodecError(str(e)) from None
        if not isinstance(parts, list) or len(parts) != len(self.indices):
            raise CodecError("index type doesn't match")
        return tuple(_load(p, t) for p, t in zip(parts, self.indices, strict=True))

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
