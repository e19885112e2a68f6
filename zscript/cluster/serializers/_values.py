"""Conversions shared by the Broker wire formats (binary and JSON).

Zeek maps its values onto Broker's data model as ``src/broker/Data.cc``
does (records, vectors, patterns and functions all become Broker vectors;
times and intervals become integer nanoseconds; enums travel by full name).
This module holds the per-value pieces of that mapping that do not depend
on the encoding: nanosecond conversion, port protocol codes, pattern texts,
the record layout and the values an ``any`` slot decodes to.

Decoders signal problems with two internal exceptions that the serializers
turn into :class:`~.base.SerializationError`: :class:`Mismatch` (the data is
well formed but does not fit the declared type) and :class:`Malformed` (the
payload itself is broken).
"""

from __future__ import annotations

import ipaddress
import math
import re

from ...runtime.addresses import Addr, Port, Subnet
from ...runtime.containers import Set, Table, Vector
from ...runtime.patterns import Pattern
from ...runtime.values import Boxed, EnumVal, Record, record_class, type_of
from ...types import (
    ANY,
    COUNT,
    DOUBLE,
    INT,
    INTERVAL,
    TIME,
    RecordType,
    TableType,
    Type,
    VectorType,
)

__all__ = [
    "ANY_SET",
    "ANY_TABLE",
    "ANY_VECTOR",
    "I64_MAX",
    "I64_MIN",
    "MAX_DEPTH",
    "MISSING",
    "NONE_NODE",
    "PROTO_CODES",
    "PROTO_NAMES",
    "U64_MAX",
    "Malformed",
    "Mismatch",
    "TypeCodec",
    "any_type_of",
    "enum_by_name",
    "field_layout",
    "is_vector_like",
    "make_port",
    "make_subnet",
    "pattern_from_texts",
    "pattern_texts",
    "record_maker",
    "render",
    "seconds_to_ms",
    "seconds_to_ns",
    "to_any",
    "v4_or_v6",
    "v6_net",
]

MISSING = object()

U64_MAX = (1 << 64) - 1
I64_MIN = -(1 << 63)
I64_MAX = (1 << 63) - 1
_NS = 1_000_000_000

#: Broker's port protocol codes (``broker::port::protocol``).
PROTO_CODES = {"unknown": 0, "tcp": 1, "udp": 2, "icmp": 3}
PROTO_NAMES = ("unknown", "tcp", "udp", "icmp")

#: Containers an ``any`` slot decodes to (Broker data carries no element types).
ANY_VECTOR = VectorType(ANY)
ANY_SET = TableType([ANY], None)
ANY_TABLE = TableType([ANY], ANY)

_V4_MAPPED = b"\x00" * 10 + b"\xff\xff"


class Mismatch(Exception):
    """Well-formed Broker data that does not convert to the declared type."""


class Unsupported(Mismatch):
    """A value Zeek's Broker conversion refuses with an error of its own
    (``src/broker/Data.cc``: a vector with holes): reported as it is."""


class Malformed(Exception):
    """A payload that is not valid Broker data (truncated, bad tag, bad length...)."""


# ------------------------------------------------------------------ numbers


class TypeCodec:
    """Encoders and decoders per zscript type, built once and cached.

    A format's codec implements ``_build_encoder(t)`` and
    ``_build_decoder(t)``; :meth:`encoder` and :meth:`decoder` build on
    first use of a type and return the cached function afterwards.
    """

    def __init__(self, resolve_enum=None, resolve_function=None, make_data=None, resolve_type=None):
        self.resolve_enum = resolve_enum
        self.resolve_function = resolve_function
        #: ``resolve_type(name)``: the script type of that name (see
        #: :mod:`._opaques`).
        self.resolve_type = resolve_type
        #: ``make_data(node)``: the value an ``any`` slot gets for Broker data
        #: ``node`` (a ``Broker::Data`` record, see :mod:`._data`); without
        #: it, the plain value :func:`to_any` makes.
        self.make_data = make_data
        self._enc: dict[Type, object] = {}
        self._dec: dict[Type, object] = {}

    def encoder(self, t: Type):
        fn = self._enc.get(t)
        if fn is None:
            fn = self._enc[t] = self._build_encoder(t)
        return fn

    def any_value(self, node):
        """What an ``any`` slot decodes to."""
        if self.make_data is not None:
            return self.make_data(node)
        return to_any(node, self.resolve_enum)

    def decoder(self, t: Type):
        fn = self._dec.get(t)
        if fn is None:
            fn = self._dec[t] = self._build_decoder(t)
        return fn

    def _build_encoder(self, t: Type):  # pragma: no cover - interface
        raise NotImplementedError

    def _build_decoder(self, t: Type):  # pragma: no cover - interface
        raise NotImplementedError


def seconds_to_ns(v: float) -> int:
    """Nanoseconds for a time or interval of ``v`` seconds (Broker's timestamp/timespan).

    The integer whose exact quotient by 1e9 is ``v`` when there is one (so
    values decoded from nanoseconds re-encode unchanged), else Zeek's
    truncation of ``v * 1e9``.
    """
    x = v * 1e9
    if not -9.3e18 < x < 9.3e18:  # also NaN and the infinities
        raise Mismatch(f"{v} seconds is out of range for nanoseconds")
    n = round(x)
    if n / _NS != v:
        n = int(x)
    if not I64_MIN <= n <= I64_MAX:
        raise Mismatch(f"{v} seconds is out of range for nanoseconds")
    return n


def seconds_to_ms(v: float) -> int:
    """The largest whole number of milliseconds ``m`` with ``m / 1000 <= v``.

    Broker truncates timestamps to milliseconds; this truncates the decimal
    value the double stands for, so ``1.678`` gives 1678 (not 1677).
    """
    x = v * 1000.0
    if not math.isfinite(x):
        raise Mismatch(f"cannot convert time {v}")
    m = math.floor(x)
    if (m + 1) / 1000 <= v:
        m += 1
    elif m / 1000 > v:
        m -= 1
    return m


# ------------------------------------------------------------------ network


def v4_or_v6(raw16: bytes):
    """The ipaddress object for Broker's 16 address bytes (v4-mapped means IPv4)."""
    if raw16[:12] == _V4_MAPPED:
        return ipaddress.IPv4Address(raw16[12:])
    return ipaddress.IPv6Address(raw16)


def v6_net(ip) -> bytes:
    """Broker's 16 bytes of an IPv4 or IPv6 address."""
    return _V4_MAPPED + ip.packed if ip.version == 4 else ip.packed


def make_subnet(raw16: bytes, raw_len: int) -> Subnet:
    """A subnet from Broker's bytes and stored length (IPv4 lengths are stored +96)."""
    ip = v4_or_v6(raw16)
    if ip.version == 4:
        if not 96 <= raw_len <= 128:
            raise Mismatch(f"bad IPv4 subnet length {raw_len}")
        return Subnet(ipaddress.IPv4Network((ip, raw_len - 96), strict=False))
    if raw_len > 128:
        raise Mismatch(f"bad IPv6 subnet length {raw_len}")
    return Subnet(ipaddress.IPv6Network((ip, raw_len), strict=False))


def make_port(num: int, code: int) -> Port:
    if code > 3:
        raise Malformed(f"bad port protocol {code}")
    return Port(num, PROTO_NAMES[code])


# ------------------------------------------------------------------ patterns

_FLAG_WRAP = re.compile(r"\(\?([is]):(.*)\)", re.DOTALL)


def pattern_texts(p: Pattern) -> tuple[str, str]:
    """Zeek's ``(PatternText(), AnywherePatternText())`` for ``p``."""
    exact = f"^?({p.text})$?"
    anywhere = f"^?(.|\\n)*({p.text})"
    for flag in "is":
        if flag in p.flags:
            exact = f"(?{flag}:{exact})"
            anywhere = f"(?{flag}:{anywhere})"
    return exact, anywhere


def pattern_from_texts(exact: str, anywhere: str) -> Pattern:
    """The pattern Zeek serialized as ``[exact, anywhere]`` (only the exact text is used)."""
    text, flags = exact, ""
    while (m := _FLAG_WRAP.fullmatch(text)) is not None:
        flags += m.group(1)
        text = m.group(2)
    if not (text.startswith("^?(") and text.endswith(")$?")):
        raise Mismatch(f"unrecognized pattern text {exact!r}")
    try:
        return Pattern(text[3:-3], "".join(sorted(set(flags))))
    except Exception as e:  # re.error, RecursionError, warnings turned into errors
        raise Mismatch(f"bad pattern {exact!r}: {e}") from e


# ------------------------------------------------------------------ types


def is_vector_like(t: Type) -> bool:
    """Zeek's ``serialized_as_vector``: a one-index key of this type is never unwrapped."""
    return t.tag in ("vector", "record", "func", "pattern", "opaque")


def field_layout(fields, encoder) -> list[tuple[str, object, bool]]:
    """``(attribute, encoder, has &default)`` per field, in declaration (wire) order.

    A field with a ``&default`` may be absent from the record's ``__dict__``
    until first read; the encoder then reads it through ``getattr``, which
    computes it (Zeek sends ``GetFieldOrDefault``).
    """
    return [("f_" + f.name, encoder(f.type), f.default is not None) for f in fields]


def record_maker(rt: RecordType):
    """``make({attr: value})``: creates a record of ``rt`` (running creation defaults)."""
    return record_class(rt)._zmake


def enum_by_name(etype, name: str) -> EnumVal:
    ev = getattr(etype, "runtime_values", {}).get(name)
    if ev is None:
        raise Mismatch(f"'{name}' is not a value of enum {etype}")
    return ev


def any_type_of(v) -> tuple[Type, object]:
    """``(type, plain value)`` of a value stored in an ``any`` slot."""
    if type(v) is Boxed:
        return v.t, v.v
    data = getattr(v, "f_data", None) if isinstance(v, Record) else None
    if data is not None and hasattr(data, "as_any"):  # a received Broker::Data
        return any_type_of(data.as_any())
    t = type_of(v)
    if t is None:
        if isinstance(v, float):
            return DOUBLE, v
        if isinstance(v, int):
            return INT, v
        raise Mismatch(f"cannot serialize a value of unknown type in 'any': {v!r}")
    return t, v


# ------------------------------------------------------------------ generic nodes
#
# A *node* is Broker data decoded without a zscript type: ``(kind, value)``
# with ``kind`` a Broker type name.  Atoms carry ``None`` (none), bool, int
# (count, integer), float (real; timestamp and timespan in seconds), str
# (string, enum_value), an ipaddress object (address), a Subnet or None if
# invalid (subnet), a Port (port).  Containers carry a tuple of nodes
# (vector, set) or of ``(key, value)`` node pairs (table).  Nodes are
# hashable, so duplicate set elements and table keys can be detected.

NONE_NODE = ("none", None)
MAX_DEPTH = 128


def to_any(node, resolve_enum=None):
    """The zscript value an ``any`` slot gets for ``node``."""
    kind, v = node
    if kind in ("boolean", "string"):
        return v
    if kind == "count":
        return Boxed(COUNT, v)
    if kind == "integer":
        return Boxed(INT, v)
    if kind == "real":
        return Boxed(DOUBLE, v)
    if kind == "timestamp":
        return Boxed(TIME, v)
    if kind == "timespan":
        return Boxed(INTERVAL, v)
    if kind == "address":
        return Addr(v)
    if kind == "port":
        return v
    if kind == "subnet":
        if v is None:
            raise Mismatch("invalid subnet")
        return v
    if kind == "enum_value":
        ev = resolve_enum(v) if resolve_enum is not None else None
        if ev is None:
            raise Mismatch(f"unknown enum value '{v}'")
        return ev
    if kind == "vector":
        return Vector(ANY_VECTOR, [to_any(x, resolve_enum) for x in v])
    if kind == "set":
        s = Set(ANY_SET)
        for x in v:
            s[to_any(x, resolve_enum)] = None
        return s
    if kind == "table":
        t = Table(ANY_TABLE)
        for k, x in v:
            t[to_any(k, resolve_enum)] = to_any(x, resolve_enum)
        return t
    raise Mismatch(f"cannot convert Broker {kind} to any")


def render(node, limit: int = 200) -> str:
    """Broker-style text of ``node`` (for error messages), cut at ``limit`` characters."""
    text = _render(node)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _render(node) -> str:
    kind, v = node
    if kind == "none":
        return "nil"
    if kind == "boolean":
        return "T" if v else "F"
    if kind == "port":
        return f"{v.num}/{'?' if v.proto == 'unknown' else v.proto}"
    if kind == "subnet":
        return "<invalid subnet>" if v is None else str(v)
    if kind in ("timestamp", "timespan"):
        return f"{seconds_to_ns(v)}ns"
    if kind == "real":
        return f"{v:f}"  # Broker prints reals with std::to_string
    if kind == "vector":
        return "(" + ", ".join(_render(x) for x in v) + ")"
    if kind == "set":
        return "{" + ", ".join(_render(x) for x in sorted(v, key=_broker_order)) + "}"
    if kind == "table":
        items = sorted(v, key=lambda kv: _broker_order(kv[0]))
        return "{" + ", ".join(f"{_render(k)} -> {_render(x)}" for k, x in items) + "}"
    return str(v)


#: Broker's ``data`` alternatives in the order its comparison ranks them.
_RANK = {
    k: i
    for i, k in enumerate(
        ("none", "boolean", "count", "integer", "real", "string", "address", "subnet", "port")
        + ("timestamp", "timespan", "enum_value", "set", "table", "vector")
    )
}


def _broker_order(node):
    """A sort key giving Broker's order of set elements and table keys (its
    sets and tables are ordered containers, and print in that order)."""
    kind, v = node
    if kind in ("count", "integer", "real", "boolean", "timestamp", "timespan"):
        return (_RANK[kind], 0, v, "")
    if kind == "string":
        return (_RANK[kind], 0, 0.0, v)
    return (_RANK.get(kind, len(_RANK)), 1, 0.0, _render(node))
