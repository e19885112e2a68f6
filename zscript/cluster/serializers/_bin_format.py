"""Broker's binary data format (``broker::format::bin::v1``): the byte level.

Each Broker value is a tag byte followed by its body, big-endian:

====  ============  ===================================================
tag   Broker type   body
====  ============  ===================================================
0     none          (empty)
1     boolean       u8 (non-zero is true)
2     count         u64
3     integer       i64
4     real          IEEE 754 double
5     string        varbyte length + bytes
6     address       16 bytes, IPv4 as v4-mapped IPv6
7     subnet        16 bytes + u8 length (IPv4 lengths stored +96)
8     port          u16 number + u8 protocol (0 ?, 1 tcp, 2 udp, 3 icmp)
9/10  timestamp,    i64 nanoseconds
      timespan
11    enum_value    varbyte length + name
12    set           varbyte count + elements
13    table         varbyte count + key, value pairs
14    vector        varbyte count + elements
====  ============  ===================================================

A varbyte holds 7 bits per byte, low group first, high bit meaning "more";
Broker reads it into 32 bits, so at most 5 bytes are accepted here.

This module holds the varbyte and string helpers, the encoders and decoders of
the atomic types (``enc(value, out: bytearray)``, ``dec(buf, pos) -> (value,
pos)``) and the untyped decoder :func:`decode_generic` that validates any
Broker value the way Broker's parser does.  :mod:`._bin_codec` compiles the
composite types from these.  Decoders raise :class:`~._values.Mismatch` when
the data does not fit the type and :class:`~._values.Malformed` (or
``IndexError``/``struct.error`` on truncation) when the bytes are broken.
The value mapping follows Zeek's ``src/broker/Data.cc`` (see ``_values``).
"""

from __future__ import annotations

import struct

from ...runtime.addresses import Addr
from ._values import (
    MAX_DEPTH,
    NONE_NODE,
    PROTO_CODES,
    Malformed,
    Mismatch,
    make_port,
    make_subnet,
    pattern_from_texts,
    pattern_texts,
    seconds_to_ns,
    v4_or_v6,
    v6_net,
)

__all__ = [
    "T_ADDR",
    "T_BOOL",
    "T_COUNT",
    "T_ENUM",
    "T_INT",
    "T_NONE",
    "T_PORT",
    "T_REAL",
    "T_SET",
    "T_SPAN",
    "T_STRING",
    "T_SUBNET",
    "T_TABLE",
    "T_TIME",
    "T_VECTOR",
    "ATOM_DECODERS",
    "ATOM_ENCODERS",
    "dec_string",
    "decode_generic",
    "read_bytes",
    "read_count",
    "read_varbyte",
    "skip",
    "write_str",
    "write_varbyte",
]

_pack_BQ = struct.Struct(">BQ").pack
_pack_Bq = struct.Struct(">Bq").pack
_pack_Bd = struct.Struct(">Bd").pack
_pack_BHB = struct.Struct(">BHB").pack
_u64 = struct.Struct(">Q").unpack_from
_i64 = struct.Struct(">q").unpack_from
_f64 = struct.Struct(">d").unpack_from
_u16 = struct.Struct(">H").unpack_from

T_NONE, T_BOOL, T_COUNT, T_INT, T_REAL, T_STRING, T_ADDR, T_SUBNET, T_PORT = range(9)
T_TIME, T_SPAN, T_ENUM, T_SET, T_TABLE, T_VECTOR = range(9, 15)


# ------------------------------------------------------------------ varbyte


def write_varbyte(out: bytearray, n: int) -> None:
    if n >= 1 << 32:
        raise Mismatch(f"sequence of {n} elements is too long for Broker")
    while n > 0x7F:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)


def read_varbyte(b: bytes, p: int) -> tuple[int, int]:
    """``(value, next position)``; more than 5 bytes is malformed."""
    x = b[p]
    if x < 0x80:
        return x, p + 1
    x &= 0x7F
    shift = 7
    p += 1
    while True:
        c = b[p]
        p += 1
        x |= (c & 0x7F) << shift
        if c < 0x80:
            return x & 0xFFFFFFFF, p
        shift += 7
        if shift > 28:
            raise Malformed("varbyte longer than 5 bytes")


def read_count(b: bytes, p: int, min_size: int = 1) -> tuple[int, int]:
    """A container's element count, capped by what the rest of the payload can hold."""
    n, p = read_varbyte(b, p)
    if n * min_size > len(b) - p:
        raise Malformed(f"container of {n} elements exceeds the payload")
    return n, p


def read_bytes(b: bytes, p: int) -> tuple[bytes, int]:
    n = b[p]
    if n < 0x80:
        p += 1
    else:
        n, p = read_varbyte(b, p)
    e = p + n
    if e > len(b):
        raise Malformed("string length exceeds the payload")
    return b[p:e], e


def write_str(out: bytearray, tag: int, s: str) -> None:
    data = s.encode("latin-1")
    n = len(data)
    if n < 0x80:
        out.append(tag)
        out.append(n)
    else:
        out.append(tag)
        write_varbyte(out, n)
    out += data


# ------------------------------------------------------------------ atoms


def _enc_bool(v, out):
    out += b"\x01\x01" if v else b"\x01\x00"


def _enc_count(v, out):
    out += _pack_BQ(T_COUNT, v)


def _enc_int(v, out):
    out += _pack_Bq(T_INT, v)


def _enc_double(v, out):
    out += _pack_Bd(T_REAL, v)


def _enc_string(v, out):
    write_str(out, T_STRING, v)


def _enc_addr(v, out):
    out.append(T_ADDR)
    out += v6_net(v.ip)


def _enc_subnet(v, out):
    net = v.net
    out.append(T_SUBNET)
    out += v6_net(net.network_address)
    out.append(net.prefixlen + 96 if net.version == 4 else net.prefixlen)


def _enc_port(v, out):
    out += _pack_BHB(T_PORT, v.num, PROTO_CODES.get(v.proto, 0))


def _enc_time(v, out):
    out += _pack_Bq(T_TIME, seconds_to_ns(v))


def _enc_interval(v, out):
    out += _pack_Bq(T_SPAN, seconds_to_ns(v))


def _enc_enum(v, out):
    write_str(out, T_ENUM, v.name)


def _enc_pattern(v, out):
    exact, anywhere = pattern_texts(v)
    out += b"\x0e\x02"
    write_str(out, T_STRING, exact)
    write_str(out, T_STRING, anywhere)


def _enc_func(v, out):
    name = getattr(v, "_zname", None)
    if not isinstance(name, str):
        raise Mismatch(f"cannot serialize function {v!r}")
    out += b"\x0e\x01"
    write_str(out, T_STRING, name)


def _dec_bool(b, p):
    if b[p] != T_BOOL:
        raise Mismatch
    return b[p + 1] != 0, p + 2


def _dec_count(b, p):
    if b[p] != T_COUNT:
        raise Mismatch
    return _u64(b, p + 1)[0], p + 9


def _dec_int(b, p):
    if b[p] != T_INT:
        raise Mismatch
    return _i64(b, p + 1)[0], p + 9


def _dec_double(b, p):
    if b[p] != T_REAL:
        raise Mismatch
    return _f64(b, p + 1)[0], p + 9


def dec_string(b, p):
    if b[p] != T_STRING:
        raise Mismatch
    data, p = read_bytes(b, p + 1)
    return data.decode("latin-1"), p


def _dec_addr(b, p):
    if b[p] != T_ADDR:
        raise Mismatch
    raw = b[p + 1 : p + 17]
    if len(raw) != 16:
        raise Malformed("truncated address")
    return Addr(v4_or_v6(raw)), p + 17


def _dec_subnet(b, p):
    if b[p] != T_SUBNET:
        raise Mismatch
    raw = b[p + 1 : p + 18]
    if len(raw) != 17:
        raise Malformed("truncated subnet")
    return make_subnet(raw[:16], raw[16]), p + 18


def _dec_port(b, p):
    if b[p] != T_PORT:
        raise Mismatch
    num = _u16(b, p + 1)[0]
    return make_port(num, b[p + 3]), p + 4


def _dec_time(b, p):
    if b[p] != T_TIME:
        raise Mismatch
    return _i64(b, p + 1)[0] / 1_000_000_000, p + 9


def _dec_interval(b, p):
    if b[p] != T_SPAN:
        raise Mismatch
    return _i64(b, p + 1)[0] / 1_000_000_000, p + 9


def _dec_pattern(b, p):
    if b[p] != T_VECTOR:
        raise Mismatch
    n, p = read_varbyte(b, p + 1)
    if n != 2:
        raise Mismatch
    exact, p = dec_string(b, p)
    anywhere, p = dec_string(b, p)
    return pattern_from_texts(exact, anywhere), p


ATOM_ENCODERS = {
    "bool": _enc_bool,
    "count": _enc_count,
    "int": _enc_int,
    "double": _enc_double,
    "string": _enc_string,
    "addr": _enc_addr,
    "subnet": _enc_subnet,
    "port": _enc_port,
    "time": _enc_time,
    "interval": _enc_interval,
    "enum": _enc_enum,
    "pattern": _enc_pattern,
    "func": _enc_func,
}

ATOM_DECODERS = {
    "bool": _dec_bool,
    "count": _dec_count,
    "int": _dec_int,
    "double": _dec_double,
    "string": dec_string,
    "addr": _dec_addr,
    "subnet": _dec_subnet,
    "port": _dec_port,
    "time": _dec_time,
    "interval": _dec_interval,
    "pattern": _dec_pattern,
}


# ------------------------------------------------------------------ untyped


def decode_generic(b: bytes, p: int, depth: int = 0):
    """``(node, next position)`` for the Broker value at ``p`` (nodes: see ``_values``).

    Validates like Broker's parser: unknown tags, truncation, a port protocol
    above 3, duplicate set elements or table keys and nesting deeper than
    ``MAX_DEPTH`` raise :class:`Malformed`.
    """
    tag = b[p]
    p += 1
    if tag == T_NONE:
        return NONE_NODE, p
    if tag == T_BOOL:
        return ("boolean", b[p] != 0), p + 1
    if tag == T_COUNT:
        return ("count", _u64(b, p)[0]), p + 8
    if tag == T_INT:
        return ("integer", _i64(b, p)[0]), p + 8
    if tag == T_REAL:
        return ("real", _f64(b, p)[0]), p + 8
    if tag in (T_STRING, T_ENUM):
        data, p = read_bytes(b, p)
        return ("string" if tag == T_STRING else "enum_value", data.decode("latin-1")), p
    if tag == T_ADDR:
        raw = b[p : p + 16]
        if len(raw) != 16:
            raise Malformed("truncated address")
        return ("address", v4_or_v6(raw)), p + 16
    if tag == T_SUBNET:
        raw = b[p : p + 17]
        if len(raw) != 17:
            raise Malformed("truncated subnet")
        try:
            net = make_subnet(raw[:16], raw[16])
        except Mismatch:
            net = None  # Broker parses it; only the conversion to Zeek fails
        return ("subnet", net), p + 17
    if tag == T_PORT:
        return ("port", make_port(_u16(b, p)[0], b[p + 2])), p + 3
    if tag in (T_TIME, T_SPAN):
        secs = _i64(b, p)[0] / 1_000_000_000
        return ("timestamp" if tag == T_TIME else "timespan", secs), p + 8
    if tag in (T_SET, T_TABLE, T_VECTOR):
        if depth >= MAX_DEPTH:
            raise Malformed("data nested too deeply")
        n, p = read_count(b, p, 2 if tag == T_TABLE else 1)
        items = []
        for _ in range(n):
            x, p = decode_generic(b, p, depth + 1)
            if tag == T_TABLE:
                v, p = decode_generic(b, p, depth + 1)
                x = (x, v)
            items.append(x)
        if tag == T_VECTOR:
            return ("vector", tuple(items)), p
        keys = items if tag == T_SET else [k for k, _ in items]
        if len(set(keys)) != n:
            raise Malformed("duplicate set element or table key")
        return ("set" if tag == T_SET else "table", tuple(items)), p
    raise Malformed(f"unknown Broker type tag {tag}")


def skip(b: bytes, p: int) -> int:
    """The position after the (validated) Broker value at ``p``."""
    return decode_generic(b, p)[1]
