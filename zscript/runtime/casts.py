"""``as`` and ``?as``: Zeek's value conversions.

``x as T`` converts the value of ``x`` to type ``T`` (``CastExpr`` in Zeek's
src/Expr.cc); ``x ?as T`` tells whether that would work (``CanConvertExpr``).
Both follow ``attempt_to_cast_value_to_type`` in src/Val.cc, which works on
the value's *dynamic* type, so ``a as count`` for an ``any`` holding the
string ``"5"`` gives 5:

* same types (``same_type``): the value itself;
* a one-index set to a vector of its element type and back (in the set's
  iteration order, :mod:`.zeekorder`; a vector's holes are skipped);
* strings to numbers as the C library reads them (``strtoull``, ``strtoll``,
  ``strtod``: leading white space and a sign are accepted, trailing white
  space only for integers, ``"-5" as count`` wraps around), to addresses,
  subnets and ports (:mod:`.addresses`);
* numbers among themselves (doubles round to nearest, negative values are
  no count), counts of at most 32 bits to IPv4 addresses, enums to their
  number, intervals and times to doubles, addresses to subnets of full
  width and to ``index_vec``, subnets to their prefix or width, ports to
  their number.

A failed ``as`` is the run-time error ``invalid cast of value with type 'S'
to type 'T'``.  The string-to-number readers are shared with the
``to_count``/``to_int``/``to_double`` built-in functions.
"""

from __future__ import annotations

import re

from ..types import Type, TypeType, is_index_vec, same_type
from . import zeekorder
from .addresses import (
    V4_MAPPED,
    addr_bits,
    addr_from_bits,
    addr_words,
    parse_addr,
    parse_port,
    parse_subnet,
    subnet_bits,
    subnet_from_bits,
)
from .containers import Set, Vector
from .errors import InvalidCast
from .values import Record, box, type_of, unbox

__all__ = [
    "c_strtol",
    "can_cast_value",
    "cast_value",
    "coerce_from_any",
    "read_count",
    "read_double",
    "read_int",
    "received_data",
]

_M64 = (1 << 64) - 1
_INT_MAX = (1 << 63) - 1
_C_SPACE = " \t\n\v\f\r"
_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


class _NoConversion(Exception):
    """The value does not convert (Zeek's null result)."""


# ------------------------------------------------------------ C number readers


def c_strtol(s: str, base: int) -> tuple[int, str] | None:
    """Parse like C ``strtol``: (value, rest of the text), or None without digits."""
    i = len(s) - len(s.lstrip(_C_SPACE))
    neg = False
    if s[i : i + 1] in ("+", "-"):
        neg = s[i] == "-"
        i += 1
    if (
        base in (0, 16)
        and s[i : i + 2].lower() == "0x"
        and s[i + 2 : i + 3].lower() in _DIGITS[:16]
    ):
        i += 2
        base = 16
    elif base == 0:
        base = 8 if s[i : i + 1] == "0" else 10
    valid = _DIGITS[:base] if 2 <= base <= 36 else ""
    j = i
    while j < len(s) and s[j].lower() in valid:
        j += 1
    if j == i:
        return None
    digits = s[i:j].lstrip("0") or "0"
    # strtol saturates; Python refuses to convert more than 4300 decimal digits.
    n = int(digits, base) if len(digits) <= 100 else 1 << 512
    return (-n if neg else n), s[j:]


def _read_integer(s: str, base: int) -> int | None:
    """``strtoll``/``strtoull`` as Zeek checks them: only white space may follow."""
    parsed = c_strtol(s, base)
    value, rest = parsed if parsed is not None else (0, s)
    if s == "" or rest.strip(_C_SPACE) != "":
        return None
    return value


def read_count(s: str, base: int = 10) -> int | None:
    """The count ``strtoull`` reads from ``s`` (negatives wrap, overflow saturates)."""
    n = _read_integer(s, base)
    if n is None:
        return None
    return _M64 if abs(n) > _M64 else n & _M64


def read_int(s: str, base: int = 10) -> int | None:
    """The int ``strtoll`` reads from ``s`` (overflow saturates)."""
    n = _read_integer(s, base)
    return None if n is None else max(-_INT_MAX - 1, min(_INT_MAX, n))


_FLOAT = re.compile(
    r"[ \t\n\v\f\r]*[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|inf(?:inity)?|nan)",
    re.IGNORECASE,
)
_HEX_FLOAT = re.compile(
    r"[ \t\n\v\f\r]*[+-]?0x(?:[0-9a-f]+\.?[0-9a-f]*|\.[0-9a-f]+)(?:p[+-]?\d+)?",
    re.IGNORECASE,
)


def read_double(s: str) -> float | None:
    """The double ``strtod`` reads from ``s`` (decimal or hexadecimal); nothing
    may follow the number."""
    if _FLOAT.fullmatch(s) is not None:
        return float(s.strip(_C_SPACE))
    if _HEX_FLOAT.fullmatch(s) is not None:
        return float.fromhex(s.strip(_C_SPACE))
    return None


# ------------------------------------------------------------ conversions


def _given(r):
    if r is None:
        raise _NoConversion
    return r


def _to_count(v) -> int:
    if v < 0:
        raise _NoConversion
    return round(v) & _M64


def _count_to_int(v: int) -> int:
    if v > _INT_MAX:
        raise _NoConversion
    return v


def _count_to_addr(v: int):
    if v > 0xFFFFFFFF:
        raise _NoConversion
    return addr_from_bits(V4_MAPPED | v)


def _same(v):
    return v


#: (source tag, target tag) -> conversion, as in ``attempt_to_cast_value_to_type``.
_BASIC = {
    ("string", "double"): lambda v: _given(read_double(v)),
    ("string", "int"): lambda v: _given(read_int(v)),
    ("string", "count"): lambda v: _given(read_count(v)),
    ("string", "addr"): lambda v: _given(parse_addr(v)),
    ("string", "subnet"): lambda v: _given(parse_subnet(v)),
    ("string", "port"): lambda v: _given(parse_port(v)),
    ("int", "count"): _to_count,
    ("int", "double"): float,
    ("int", "time"): float,
    ("int", "interval"): float,
    ("double", "int"): round,
    ("double", "count"): _to_count,
    ("double", "time"): _same,
    ("double", "interval"): _same,
    ("count", "int"): _count_to_int,
    ("count", "double"): float,
    ("count", "time"): float,
    ("count", "interval"): float,
    ("count", "addr"): _count_to_addr,
    ("enum", "count"): lambda v: v.value,
    ("enum", "int"): lambda v: v.value,
    ("interval", "double"): _same,
    ("time", "double"): _same,
    ("addr", "subnet"): lambda v: subnet_from_bits(addr_bits(v), 128),
    ("subnet", "addr"): lambda v: addr_from_bits(subnet_bits(v)[0]),
    ("subnet", "count"): lambda v: v.net.prefixlen,
    ("port", "count"): lambda v: v.num,
}


def _convert(v, src: Type, dst: Type):
    """``attempt_to_cast_value_to_type``: the converted value, or _NoConversion."""
    f = _BASIC.get((src.tag, dst.tag))
    if f is not None:
        return f(v)
    if same_type(src, dst):
        return box(v, src) if dst.tag == "any" else v
    if isinstance(v, Set) and dst.tag == "vector":
        if len(src.indices) != 1:
            raise _NoConversion
        return Vector(dst, list(zeekorder.keys(v)))
    if isinstance(v, Vector) and getattr(dst, "is_set", False):
        if len(dst.indices) != 1:
            raise _NoConversion
        return Set(dst, (x for x in v if x is not None))
    if src.tag == "addr" and is_index_vec(dst):
        return Vector(dst, addr_words(v))
    raise _NoConversion


def _dynamic(v, src: Type):
    """(value, type) to convert: an ``any`` converts from the type it holds."""
    if src.tag == "any":
        return unbox(v), type_of(v)
    return v, src


def _type_text(t: Type | None) -> str:
    if t is None:
        return "<unknown>"
    return t.describe() if not isinstance(t, TypeType) else str(t)


def received_data(v):
    """The opaque of a ``Broker::Data`` record (a value received from the
    network in an ``any`` slot, which converts itself: ``cast_to``), else None."""
    if isinstance(v, Record) and v._rtype.name == "Broker::Data":
        d = getattr(v, "f_data", None)
        if hasattr(d, "cast_to"):
            return d
    return None


def _is_data_type(t: Type) -> bool:
    return getattr(t, "name", None) == "Broker::Data"


def _wants_conversion(dst: Type) -> bool:
    return dst.tag != "any" and getattr(dst, "name", None) != "Broker::Data"


def cast_value(v, src: Type, dst: Type):
    """``v as dst`` for ``v`` of static type ``src``; raises :class:`InvalidCast`."""
    data = received_data(v) if src.tag == "any" or _is_data_type(src) else None
    if data is not None and _wants_conversion(dst):
        try:
            return data.cast_to(dst)
        except ValueError:
            raise InvalidCast(
                f"invalid cast of value with type 'Broker::Data' to type '{_type_text(dst)}'"
            ) from None
    val, actual = _dynamic(v, src)
    if actual is not None:
        try:
            return _convert(val, actual, dst)
        except _NoConversion:
            pass
    message = f"invalid cast of value with type '{_type_text(actual)}' to type '{_type_text(dst)}'"
    if _is_empty_broker_data(val):
        # As Zeek's CastExpr (Expr.cc): a Broker::Data without a value says so.
        message += " (nil $data field)"
    raise InvalidCast(message)


def coerce_from_any(v, src: Type, dst: Type):
    """The implicit conversion of an ``any`` to a typed slot (an argument, an
    assignment): Zeek's ``CoerceFromAnyExpr`` (src/Expr.cc) accepts only a
    value whose type has ``dst``'s tag, else it is the run-time error
    ``incompatible "any" type``.  A value received from the network
    (a ``Broker::Data``) converts itself, as with ``as``."""
    if received_data(v) is None and dst.tag != "any":
        actual = type_of(v)
        if actual is not None and actual.tag != dst.tag and actual.tag != "error":
            raise InvalidCast('incompatible "any" type')
    return cast_value(v, src, dst)


def _is_empty_broker_data(v) -> bool:
    return (
        isinstance(v, Record)
        and v._rtype.name == "Broker::Data"
        and getattr(v, "f_data", None) is None
    )


def can_cast_value(v, src: Type, dst: Type) -> bool:
    """``v ?as dst``."""
    data = received_data(v) if src.tag == "any" or _is_data_type(src) else None
    if data is not None and _wants_conversion(dst):
        return data.can_cast_to(dst)
    val, actual = _dynamic(v, src)
    if actual is None:
        return False
    try:
        _convert(val, actual, dst)
    except _NoConversion:
        return False
    return True
