"""Conversion built-in functions: text and bytes to numbers, base64, hex, UUIDs, patterns.

Numbers are parsed like the C library calls Zeek uses (``strtoll``,
``strtoull``, ``strtod``): leading white space and a sign are accepted, a
``0x`` prefix in base 16, trailing white space for integers only.  A failed
conversion is a non-fatal error that returns 0, as in Zeek.

Provides: to_int, to_count, to_double, int_to_count, double_to_count,
double_to_int, bytestring_to_count, bytestring_to_double,
bytestring_to_float, hexstr_to_bytestring, encode_base64, decode_base64,
is_valid_base64, uuid_to_string, convert_for_pattern, string_to_pattern.
"""

from __future__ import annotations

import re
import struct

from ...types import DOUBLE, INT
from ..bifs import bif
from ..casts import read_count, read_double, read_int
from ..patterns import make_pattern
from ..values import Boxed
from ._support import builtin_error, reporter_error

__all__ = []


def _parse(ctx, reader, s: str, *args, what: str):
    n = reader(s, *args)
    if n is None:
        builtin_error(ctx, f"bad conversion to {what}", s)
        return 0
    return n


@bif("to_int", "function(str: string, base: count &default=10): int", context=True)
def to_int(ctx, s, base=10):
    return _parse(ctx, read_int, s, base, what="integer")


@bif("to_count", "function(str: string, base: count &default=10): count", context=True)
def to_count(ctx, s, base=10):
    return _parse(ctx, read_count, s, base, what="count")


@bif("to_double", "function(str: string): double", context=True)
def to_double(ctx, s):
    return float(_parse(ctx, read_double, s, what="double"))


@bif("int_to_count", "function(n: int): count", context=True)
def int_to_count(ctx, n):
    if n < 0:
        builtin_error(ctx, "bad conversion to count", Boxed(INT, n))
        return 0
    return n


@bif("double_to_count", "function(d: double): count", context=True)
def double_to_count(ctx, d):
    if d < 0.0:
        builtin_error(ctx, "bad conversion to count", Boxed(DOUBLE, d))
        return 0
    return round(d) & 0xFFFFFFFFFFFFFFFF


@bif("double_to_int", "function(d: double): int")
def double_to_int(d):
    return round(d)


# ------------------------------------------------------------ raw bytes


def _bytes(s: str) -> bytes:
    return s.encode("latin-1")


@bif("bytestring_to_count", "function(s: string, is_le: bool &default=F): count", context=True)
def bytestring_to_count(ctx, s, is_le=False):
    if len(s) > 8:
        builtin_error(ctx, "unsupported byte length for bytestring_to_count")
        return 0
    return int.from_bytes(_bytes(s), "little" if is_le else "big")


def _unpack_float(ctx, s: str, fmt: str, what: str) -> float:
    if len(s) != struct.calcsize(fmt):
        builtin_error(ctx, f"bad conversion to {what}")
        return 0.0
    return struct.unpack(fmt, _bytes(s))[0]


@bif("bytestring_to_double", "function(s: string): double", context=True)
def bytestring_to_double(ctx, s):
    return _unpack_float(ctx, s, ">d", "double")


@bif("bytestring_to_float", "function(s: string): double", context=True)
def bytestring_to_float(ctx, s):
    return _unpack_float(ctx, s, ">f", "float")


@bif("hexstr_to_bytestring", "function(hexstr: string): string", context=True)
def hexstr_to_bytestring(ctx, hexstr):
    if len(hexstr) % 2:
        reporter_error(ctx, f"Hex string '{hexstr}' has invalid length (not divisible by 2)")
        return ""
    out = []
    for i in range(0, len(hexstr), 2):
        pair = hexstr[i : i + 2]
        if not all(c in "0123456789abcdefABCDEF" for c in pair):
            reporter_error(ctx, f"Could not read hex element from input {hexstr}")
            return ""
        out.append(chr(int(pair, 16)))
    return "".join(out)


@bif("uuid_to_string", "function(uuid: string): string")
def uuid_to_string(uuid):
    """A 16-byte UUID in its text form; the first three fields are little-endian, as in Zeek."""
    if len(uuid) != 16:
        return "<Invalid UUID>"
    b = _bytes(uuid)
    time_low, time_mid, time_hi = struct.unpack("<IHH", b[:8])
    return "%08x-%04x-%04x-%s-%s" % (time_low, time_mid, time_hi, b[8:10].hex(), b[10:].hex())


# ------------------------------------------------------------ base64

_B64_DEFAULT = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def b64_encode(data: str, alphabet: str = "") -> str:
    alphabet = alphabet or _B64_DEFAULT
    out = []
    for i in range(0, len(data), 3):
        chunk = _bytes(data[i : i + 3])
        bits = int.from_bytes(chunk.ljust(3, b"\0"), "big")
        quad = [alphabet[(bits >> shift) & 0x3F] for shift in (18, 12, 6, 0)]
        for k in range(len(chunk) + 1, 4):
            quad[k] = "="
        out.append("".join(quad))
    return "".join(out)


class Base64Error(Exception):
    pass


def b64_decode(data: str, alphabet: str = "", report=None) -> str:
    """Decode as Zeek's ``Base64Converter``: ``=`` pads, an incomplete last group is zero-filled.

    Characters outside the alphabet and groups after padding raise
    :class:`Base64Error` (with Zeek's message); ``report`` receives the
    warning for an incomplete final group.
    """
    alphabet = alphabet or _B64_DEFAULT
    table = {c: i for i, c in enumerate(alphabet)}
    table.setdefault("=", 0)
    out = bytearray()
    group: list[int] = []
    padding = 0
    after_padding = False

    def flush():
        nonlocal padding, after_padding
        if after_padding:
            raise Base64Error("extra base64 groups after '=' padding are ignored")
        bits = (group[0] << 18) | (group[1] << 12) | (group[2] << 6) | group[3]
        out.extend(bits.to_bytes(3, "big")[: max(0, 3 - padding)])
        after_padding = padding > 0
        padding = 0
        group.clear()

    for c in data:
        if c == "=":
            padding += 1
        k = table.get(c)
        if k is None:
            raise Base64Error(f"character {ord(c)} ignored by Base64 decoding")
        group.append(k)
        if len(group) == 4:
            flush()
    if group:
        if report is not None:
            report(f"incomplete base64 group, padding with {(4 - len(group)) * 6} bits of 0")
        padding += 4 - len(group)
        group.extend([0] * (4 - len(group)))
        flush()
    return out.decode("latin-1")


@bif("encode_base64", 'function(s: string, a: string &default=""): string', context=True)
def encode_base64(ctx, s, a=""):
    if len(a) not in (0, 64):
        reporter_error(ctx, f"base64 alphabet is not 64 characters: {a}")
        reporter_error(ctx, "Broker query has an invalid data store")
        return ""
    return b64_encode(s, a)


@bif("decode_base64", 'function(s: string, a: string &default=""): string', context=True)
def decode_base64(ctx, s, a=""):
    if len(a) not in (0, 64):
        reporter_error(ctx, f"base64 decoding alphabet is not 64 characters: {a}")
    else:
        try:
            return b64_decode(s, a, lambda msg: reporter_error(ctx, msg))
        except Base64Error as e:
            reporter_error(ctx, str(e))
    reporter_error(ctx, f"error in decoding string {s}")
    return ""


@bif("is_valid_base64", 'function(s: string, a: string &default=""): bool')
def is_valid_base64(s, a=""):
    if len(a) not in (0, 64):
        return False
    try:
        b64_decode(s, a)
    except Base64Error:
        return False
    return True


# ------------------------------------------------------------ patterns

_PATTERN_SPECIALS = re.compile(r"[\^$\-:\"\\/|*+?.(){}\[\]]")


@bif("convert_for_pattern", "function(s: string): string")
def convert_for_pattern(s):
    return _PATTERN_SPECIALS.sub(lambda m: "\\" + m.group(0), s)


@bif("string_to_pattern", "function(s: string, convert: bool): pattern", context=True)
def string_to_pattern(ctx, s, convert):
    text = convert_for_pattern(s) if convert else s
    try:
        return make_pattern(text)
    except re.error as e:
        shown = text if len(text) <= 200 else text[:200] + "..."
        reporter_error(ctx, f"invalid pattern {shown}: {e}")
        return make_pattern("(?!)")
