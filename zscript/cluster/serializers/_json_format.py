"""Broker's JSON v1 data model: the value level.

Every value is ``{"@data-type": T, "data": V}``:

==============  ================  ==========================================
zscript         ``@data-type``    ``data``
==============  ================  ==========================================
(unset field)   ``none``          ``{}``
bool            ``boolean``       ``true`` / ``false``
count           ``count``         JSON integer >= 0
int             ``integer``       JSON integer
double          ``real``          JSON number (shortest round-trip form)
string          ``string``        JSON string (see below)
addr / subnet   ``address`` /     ``"192.0.2.1"`` / ``"10.0.0.0/8"``
                ``subnet``
port            ``port``          ``"80/tcp"`` (``?`` for unknown)
time            ``timestamp``     ``"YYYY-MM-DDThh:mm:ss.sss"`` (UTC)
interval        ``timespan``      ``"<int><unit>"``, coarsest exact unit of
                                  ns, us, ms, s; zero is ``"0s"``
enum            ``enum-value``    ``"Module::NAME"``
set             ``set``           array of values
table           ``table``         array of ``{"key": K, "value": V}``
vector, record  ``vector``        array of values (records: every field in
pattern, func                     order, ``none`` when unset)
==============  ================  ==========================================

Input is read leniently, as real clients send it: integers where reals are
expected, ``count`` and ``integer`` for each other when in range, times with
any fraction (up to ns) and an optional ``Z`` / ``+hh:mm`` zone (none means
UTC), timespans with a decimal number and the units ``min``, ``h``, ``d``,
ports without a protocol (tcp).

Strings: Zeek strings are bytes, zscript strings hold one byte per character
(latin-1).  In the JSON objects built and read here, a string's ``data`` is
those bytes decoded as UTF-8 with ``surrogateescape``, which is what any JSON
library produces from Zeek's text (Zeek writes the raw bytes); turning the
object into text with :func:`~.json_v1.dumps` restores them exactly.

This module holds the text forms (times, timespans, ports, strings), the
encoders ``enc(value) -> object`` and decoders ``dec(object) -> value`` of
the atomic types, and :func:`node_from_json`, which validates the data model
the way Broker's JSON reader does (raising :class:`~._values.Malformed`) and
is what ``any`` slots decode with.  :mod:`._json_codec` compiles the
composite types.  Decoders raise :class:`~._values.Mismatch` when the data
does not fit the type.
"""

from __future__ import annotations

import ipaddress
import math
import re
from datetime import date, datetime, timedelta
from fractions import Fraction

from ...runtime.addresses import Addr, Port, Subnet
from ._values import (
    I64_MAX,
    I64_MIN,
    MAX_DEPTH,
    NONE_NODE,
    U64_MAX,
    Malformed,
    Mismatch,
    pattern_from_texts,
    pattern_texts,
    seconds_to_ms,
    seconds_to_ns,
)

__all__ = [
    "ATOM_DECODERS",
    "ATOM_ENCODERS",
    "DT",
    "NONE",
    "data_of",
    "format_timespan",
    "format_timestamp",
    "is_none",
    "latin1_to_text",
    "node_from_json",
    "parse_timespan",
    "parse_timestamp",
    "str_data",
    "text_to_latin1",
]

DT = "@data-type"
NONE = {DT: "none", "data": {}}


# ------------------------------------------------------------------ strings


def latin1_to_text(s: str) -> str:
    """A zscript byte string as JSON text (UTF-8 with surrogateescape)."""
    return s if s.isascii() else s.encode("latin-1").decode("utf-8", "surrogateescape")


def text_to_latin1(s: str) -> str:
    """The bytes of JSON text ``s`` as a zscript string (what Zeek's parser stores)."""
    if s.isascii():
        return s
    try:
        return s.encode("utf-8", "surrogateescape").decode("latin-1")
    except UnicodeEncodeError:  # a lone surrogate from a \\u escape: CAF writes 3 bytes
        return s.encode("utf-8", "surrogatepass").decode("latin-1")


# ------------------------------------------------------------------ times

_EPOCH = datetime(1970, 1, 1)
_EPOCH_ORDINAL = _EPOCH.toordinal()
_TS = re.compile(
    r"(\d{4})-(\d\d)-(\d\d)[Tt ](\d\d):(\d\d):(\d\d)(?:\.(\d{1,9})\d*)?"
    r"([Zz]|[+-]\d\d(?::?\d\d)?)?"
)
_SPAN = re.compile(
    r"([+-]?(?:\d{1,30}(?:\.\d{0,30})?|\.\d{1,30})(?:[eE][+-]?\d{1,3})?)(ns|us|ms|s|min|h|d)"
)
_UNIT_NS = {"ns": 1, "us": 10**3, "ms": 10**6, "s": 10**9, "min": 60 * 10**9, "h": 3600 * 10**9}
_UNIT_NS["d"] = 86400 * 10**9


def format_timestamp(v: float) -> str:
    """Broker's ``YYYY-MM-DDThh:mm:ss.sss`` (UTC, milliseconds, truncated)."""
    secs, ms = divmod(seconds_to_ms(v), 1000)
    try:
        dt = _EPOCH + timedelta(seconds=secs)
    except OverflowError as e:
        raise Mismatch(f"time {v} is out of range") from e
    return f"{dt.isoformat(timespec='seconds')}.{ms:03d}"


def parse_timestamp(text: str) -> float:
    m = _TS.fullmatch(text)
    if m is None:
        raise Mismatch(f"bad timestamp {text!r}")
    y, mo, d, h, mi, s, frac, zone = m.groups()
    try:
        days = date(int(y), int(mo), int(d)).toordinal() - _EPOCH_ORDINAL
    except ValueError as e:
        raise Mismatch(f"bad timestamp {text!r}") from e
    h, mi, s = int(h), int(mi), int(s)
    if h > 23 or mi > 59 or s > 60:
        raise Mismatch(f"bad timestamp {text!r}")
    secs = days * 86400 + h * 3600 + mi * 60 + s
    if zone and zone not in "Zz":
        sign = -1 if zone[0] == "-" else 1
        digits = zone[1:].replace(":", "")
        secs -= sign * (int(digits[:2]) * 3600 + int(digits[2:] or 0) * 60)
    ns = secs * 1_000_000_000 + (int(frac.ljust(9, "0")) if frac else 0)
    return ns / 1_000_000_000


def format_timespan(v: float) -> str:
    """Broker's ``<int><unit>``: the coarsest of ns, us, ms, s that is exact."""
    n = seconds_to_ns(v)
    if n == 0:
        return "0s"
    sign = "-" if n < 0 else ""
    n = abs(n)
    for unit in ("ns", "us", "ms"):
        if n % 1000:
            return f"{sign}{n}{unit}"
        n //= 1000
    return f"{sign}{n}s"


def parse_timespan(text: str) -> float:
    m = _SPAN.fullmatch(text)
    if m is None:
        raise Mismatch(f"bad timespan {text!r}")
    try:
        ns = Fraction(m.group(1)) * _UNIT_NS[m.group(2)]
    except (ValueError, ZeroDivisionError) as e:
        raise Mismatch(f"bad timespan {text!r}") from e
    if not I64_MIN <= ns <= I64_MAX:
        raise Mismatch(f"timespan {text!r} is out of range")
    return float(ns / 1_000_000_000)


# ------------------------------------------------------------------ network


def parse_addr(text: str):
    ip = ipaddress.ip_address(text)
    if ip.version == 6 and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def parse_subnet(text: str) -> Subnet:
    if "/" not in text:
        raise ValueError(f"bad subnet {text!r}")
    net = ipaddress.ip_network(text, strict=False)
    if net.version == 6 and net.network_address.ipv4_mapped is not None:
        if net.prefixlen < 96:
            raise ValueError(f"bad subnet {text!r}")
        net = ipaddress.IPv4Network((net.network_address.ipv4_mapped, net.prefixlen - 96))
    return Subnet(net)


_PORT = re.compile(r"(\d{1,5})(?:/(.*))?", re.DOTALL)
_PROTOS = {"tcp": "tcp", "udp": "udp", "icmp": "icmp"}


def parse_port(text: str) -> Port:
    m = _PORT.fullmatch(text)
    if m is None or int(m.group(1)) > 65535:
        raise ValueError(f"bad port {text!r}")
    proto = m.group(2)
    return Port(int(m.group(1)), "tcp" if proto is None else _PROTOS.get(proto, "unknown"))


def format_port(v: Port) -> str:
    return f"{v.num}/{'?' if v.proto == 'unknown' else v.proto}"


# ------------------------------------------------------------------ untyped


_ATOM_KINDS = frozenset(
    ("boolean", "count", "integer", "real", "string", "address", "subnet", "port")
    + ("timestamp", "timespan", "enum-value")
)


def _atom(dt, v):
    """The node of an atomic JSON value (raises ValueError/TypeError/Mismatch when bad)."""
    if type(dt) is not str or dt not in _ATOM_KINDS:
        raise TypeError(f"unknown @data-type {dt!r}")
    tv = type(v)
    if dt == "boolean" and tv is bool:
        return ("boolean", v)
    if dt == "count" and tv is int and 0 <= v <= U64_MAX:
        return ("count", v)
    if dt == "integer" and tv is int and I64_MIN <= v <= I64_MAX:
        return ("integer", v)
    if dt == "real" and (tv is float or tv is int):
        return ("real", float(v))
    if tv is not str or dt in ("boolean", "count", "integer", "real"):
        raise TypeError(f"bad data {v!r}")
    if dt == "string":
        return ("string", text_to_latin1(v))
    if dt == "address":
        return ("address", parse_addr(v))
    if dt == "subnet":
        return ("subnet", parse_subnet(v))
    if dt == "port":
        return ("port", parse_port(v))
    if dt == "timestamp":
        return ("timestamp", parse_timestamp(v))
    if dt == "timespan":
        return ("timespan", parse_timespan(v))
    return ("enum_value", v)


def node_from_json(o, depth: int = 0):
    """The node (see ``_values``) for a JSON object; :class:`Malformed` if invalid."""
    if type(o) is not dict:
        raise Malformed("expected a JSON object with '@data-type'")
    dt = o.get(DT)
    v = o.get("data")
    if dt == "none":
        return NONE_NODE
    if dt in ("vector", "set", "table"):
        if type(v) is not list:
            raise Malformed(f"data of a {dt} must be an array")
        if depth >= MAX_DEPTH:
            raise Malformed("data nested too deeply")
        if dt == "table":
            items = []
            for kv in v:
                if type(kv) is not dict:
                    raise Malformed("table entries must be objects")
                items.append(
                    (
                        node_from_json(kv.get("key"), depth + 1),
                        node_from_json(kv.get("value"), depth + 1),
                    )
                )
            if len({k for k, _ in items}) != len(items):
                raise Malformed("duplicate table key")
            return ("table", tuple(items))
        items = [node_from_json(x, depth + 1) for x in v]
        if dt == "set" and len(set(items)) != len(items):
            raise Malformed("duplicate set element")
        return (dt, tuple(items))
    try:
        return _atom(dt, v)
    except (ValueError, TypeError, Mismatch, OverflowError) as e:
        raise Malformed(f"bad {dt!r} value: {e}") from None


# ------------------------------------------------------------------ atoms


def _enc_count(v):
    if not 0 <= v <= U64_MAX:
        raise Mismatch(f"count {v} out of range")
    return {DT: "count", "data": v}


def _enc_int(v):
    if not I64_MIN <= v <= I64_MAX:
        raise Mismatch(f"int {v} out of range")
    return {DT: "integer", "data": v}


def _enc_double(v):
    if not math.isfinite(v):
        raise Mismatch(f"cannot represent {v} in JSON")
    return {DT: "real", "data": float(v)}


def _enc_func(v):
    name = getattr(v, "_zname", None)
    if not isinstance(name, str):
        raise Mismatch(f"cannot serialize function {v!r}")
    return {DT: "vector", "data": [{DT: "string", "data": latin1_to_text(name)}]}


def _enc_pattern(v):
    exact, anywhere = pattern_texts(v)
    return {DT: "vector", "data": [{DT: "string", "data": exact}, {DT: "string", "data": anywhere}]}


ATOM_ENCODERS = {
    "bool": lambda v: {DT: "boolean", "data": bool(v)},
    "count": _enc_count,
    "int": _enc_int,
    "double": _enc_double,
    "string": lambda v: {DT: "string", "data": latin1_to_text(v)},
    "addr": lambda v: {DT: "address", "data": str(v.ip)},
    "subnet": lambda v: {DT: "subnet", "data": str(v.net)},
    "port": lambda v: {DT: "port", "data": format_port(v)},
    "time": lambda v: {DT: "timestamp", "data": format_timestamp(v)},
    "interval": lambda v: {DT: "timespan", "data": format_timespan(v)},
    "enum": lambda v: {DT: "enum-value", "data": v.name},
    "pattern": _enc_pattern,
    "func": _enc_func,
}


def data_of(o, dt: str):
    if type(o) is dict and o.get(DT) == dt:
        return o.get("data")
    raise Mismatch


def _dec_bool(o):
    v = data_of(o, "boolean")
    if type(v) is not bool:
        raise Mismatch
    return v


def _number(o):
    if type(o) is dict:
        return o.get(DT), o.get("data")
    raise Mismatch


def _dec_count(o):
    dt, v = _number(o)
    if type(v) is int and 0 <= v <= U64_MAX and (dt == "count" or dt == "integer"):
        return v
    raise Mismatch


def _dec_int(o):
    dt, v = _number(o)
    if type(v) is int and I64_MIN <= v <= I64_MAX and (dt == "integer" or dt == "count"):
        return v
    raise Mismatch


def _dec_double(o):
    dt, v = _number(o)
    tv = type(v)
    if (tv is float and dt == "real") or (tv is int and dt in ("real", "integer", "count")):
        return float(v)
    raise Mismatch


def str_data(o, dt: str) -> str:
    v = data_of(o, dt)
    if type(v) is not str:
        raise Mismatch
    return v


def _converting(dt: str, conv):
    def dec(o):
        try:
            return conv(str_data(o, dt))
        except (ValueError, OverflowError) as e:
            raise Mismatch(str(e)) from None

    return dec


def _dec_pattern(o):
    v = data_of(o, "vector")
    if type(v) is not list or len(v) != 2:
        raise Mismatch
    return pattern_from_texts(str_data(v[0], "string"), str_data(v[1], "string"))


ATOM_DECODERS = {
    "bool": _dec_bool,
    "count": _dec_count,
    "int": _dec_int,
    "double": _dec_double,
    "string": lambda o: text_to_latin1(str_data(o, "string")),
    "addr": _converting("address", lambda s: Addr(parse_addr(s))),
    "subnet": _converting("subnet", parse_subnet),
    "port": _converting("port", parse_port),
    "time": _converting("timestamp", parse_timestamp),
    "interval": _converting("timespan", parse_timespan),
    "pattern": _dec_pattern,
}


def is_none(o) -> bool:
    return type(o) is dict and o.get(DT) == "none"
