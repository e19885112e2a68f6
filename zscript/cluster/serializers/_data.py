"""Values received in an ``any`` slot: Zeek's ``Broker::Data``.

Broker data carries no zscript types, so Zeek does not guess what an
``any`` argument of a received event was: it hands the script a
``Broker::Data`` record whose opaque ``data`` field holds the Broker value
(``src/broker/Data.cc``, ``DataVal``).  Printing it shows Broker's text
(``[data=broker::data{(1, 2, 3)}]``), ``type_name`` says ``Broker::Data``,
and ``v as T`` / ``v is T`` convert the Broker value to ``T`` when it fits
(``castTo``/``canCastTo``).  Published again, it is sent as the Broker value
it holds.

:class:`BrokerData` is that opaque value, holding the generic *node* the
decoders produce (see :mod:`._values`); :func:`from_node` converts a node to
a value of a zscript type, as Zeek's ``data_to_val`` does.
"""

from __future__ import annotations

from ...runtime.containers import Set, Table, Vector
from ...runtime.patterns import Addr
from ...runtime.values import Record
from ...types import RecordType, TableType, Type, VectorType
from ._values import Mismatch, enum_by_name, pattern_from_texts, render, to_any

__all__ = ["BrokerData", "atom_of_node", "from_node", "unwrap_data"]


class BrokerData:
    """The opaque value of a received ``Broker::Data`` record."""

    __slots__ = ("node", "resolve_enum")

    def __init__(self, node, resolve_enum=None):
        self.node = node
        self.resolve_enum = resolve_enum

    def zeek_describe(self) -> str:
        """How Zeek prints the opaque value."""
        return "broker::data{" + render(self.node, limit=1 << 20) + "}"

    __str__ = zeek_describe

    def cast_to(self, t: Type):
        """The value as type ``t``; raises ``ValueError`` when it does not fit."""
        try:
            return from_node(self.node, t, self.resolve_enum)
        except Mismatch as e:
            raise ValueError(str(e) or f"broker data does not fit {t}") from None

    def can_cast_to(self, t: Type) -> bool:
        try:
            self.cast_to(t)
        except ValueError:
            return False
        return True

    def as_any(self):
        """The value as :func:`._values.to_any` would have made it (for sending)."""
        return to_any(self.node, self.resolve_enum)


def unwrap_data(v):
    """``v``'s :class:`BrokerData` if ``v`` is a ``Broker::Data`` record, else None."""
    if isinstance(v, Record) and v._rtype.name == "Broker::Data":
        d = getattr(v, "f_data", None)
        return d if isinstance(d, BrokerData) else None
    return None


class _EnumName:
    """An enum value known only by its name (what encoders need of it)."""

    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name


#: Broker kind -> the zscript type tag whose atom encoder writes it.
_KIND_TAGS = {
    "boolean": "bool",
    "count": "count",
    "integer": "int",
    "real": "double",
    "string": "string",
    "address": "addr",
    "subnet": "subnet",
    "port": "port",
    "timestamp": "time",
    "timespan": "interval",
}


def atom_of_node(node) -> tuple[str, object]:
    """``(type tag, value)`` to write an atomic ``node`` with a format's atom
    encoders (re-sending a received ``Broker::Data``).

    :raises Mismatch: an invalid subnet, or a container.
    """
    kind, v = node
    if kind == "enum_value":
        return "enum", _EnumName(v)
    tag = _KIND_TAGS.get(kind)
    if tag is None or (kind == "subnet" and v is None):
        raise Mismatch(f"cannot serialize broker {kind}")
    return tag, (Addr(v) if kind == "address" else v)


_ATOMS = {
    "bool": ("boolean",),
    "count": ("count",),
    "int": ("integer",),
    "double": ("real",),
    "string": ("string",),
    "addr": ("address",),
    "subnet": ("subnet",),
    "port": ("port",),
    "time": ("timestamp",),
    "interval": ("timespan",),
}


def from_node(node, t: Type, resolve_enum=None):
    """The zscript value of type ``t`` for Broker data ``node``.

    :raises Mismatch: the data does not have that type's shape.
    """
    kind, v = node
    tag = t.tag
    if tag == "any":
        return to_any(node, resolve_enum)
    if tag in _ATOMS:
        if kind not in _ATOMS[tag]:
            raise Mismatch(f"broker {kind} is not a {t}")
        if tag == "addr":
            return Addr(v)
        if tag == "subnet" and v is None:
            raise Mismatch("invalid subnet")
        return v
    if tag == "enum":
        if kind != "enum_value":
            raise Mismatch(f"broker {kind} is not a {t}")
        return enum_by_name(t, v)
    if tag == "pattern":
        if kind != "vector" or len(v) != 2 or any(k != "string" for k, _ in v):
            raise Mismatch(f"broker {kind} is not a pattern")
        return pattern_from_texts(v[0][1], v[1][1])
    if isinstance(t, RecordType):
        return _record(kind, v, t, resolve_enum)
    if isinstance(t, VectorType):
        if kind != "vector":
            raise Mismatch(f"broker {kind} is not a {t}")
        return Vector(t, [from_node(x, t.elem, resolve_enum) for x in v])
    if isinstance(t, TableType):
        return _table(kind, v, t, resolve_enum)
    raise Mismatch(f"cannot convert broker data to {t}")


def _record(kind, v, t: RecordType, resolve_enum):
    if kind != "vector" or len(v) > len(t.fields):
        raise Mismatch(f"broker {kind} is not a {t}")
    from ...runtime.values import record_class

    given = {}
    for f, x in zip(t.fields, v, strict=False):
        if x[0] != "none":
            given["f_" + f.name] = from_node(x, f.type, resolve_enum)
    return record_class(t)._zmake(given)


def _key(node, indices: list[Type], resolve_enum):
    if len(indices) == 1:
        return from_node(node, indices[0], resolve_enum)
    kind, v = node
    if kind != "vector" or len(v) != len(indices):
        raise Mismatch("broker key does not fit the index")
    return tuple(from_node(x, i, resolve_enum) for x, i in zip(v, indices, strict=True))


def _table(kind, v, t: TableType, resolve_enum):
    if t.is_set:
        if kind != "set":
            raise Mismatch(f"broker {kind} is not a {t}")
        s = Set(t)
        for x in v:
            s[_key(x, t.indices, resolve_enum)] = None
        return s
    if kind != "table":
        raise Mismatch(f"broker {kind} is not a {t}")
    out = Table(t)
    for k, x in v:
        out[_key(k, t.indices, resolve_enum)] = from_node(x, t.yield_, resolve_enum)
    return out
