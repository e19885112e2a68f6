"""``to_json`` and ``from_json``: Zeek values to and from JSON text.

The rendering follows Zeek's ``Val::ToJSON``:

* records are objects of their set fields (``&log`` ones only with
  ``only_loggable``); field names matching ``field_escape_pattern`` lose
  the first match (``__x`` becomes ``_x``);
* sets and vectors are arrays (multi-index set elements are arrays too),
  tables are objects whose keys are the JSON text of the index, without
  quotes for string-like index types; vector holes are ``null``;
* ports are ``{"port":80,"proto":"tcp"}``, times and doubles numbers
  (``null`` if not finite, written as rapidjson writes them), intervals
  their description (``"-12.0 hrs"``) unless ``interval_as_double``;
* strings go through Zeek's UTF-8 check: a string that is not clean UTF-8
  without control characters is written with ``\\xNN`` escapes.

``from_json`` parses JSON into a value of a given type and returns a
``from_json_result`` record; mismatches are reported in its ``err`` field
with Zeek's messages.
"""

from __future__ import annotations

import json as _json
import math
import re

from ...types import RecordType, TableType, Type, VectorType
from .. import zeekorder
from ..addresses import Port, addr_bits, parse_addr, subnet_from_bits
from ..bifs import bif
from ..containers import Set, Table, Vector
from ..describe import formatter
from ..patterns import make_pattern
from ..values import Boxed, EnumVal, Record, TypeVal, box, field_attr, record_class, type_of
from ._support import builtin_error, find_matches, reporter_error, script_type

__all__ = ["FromJSONError", "escape_utf8", "json_string", "value_from_json", "value_to_json"]


# ================================================================== to_json


def json_double(d: float) -> str:
    """A double as rapidjson writes it: shortest digits, ``1e21``, ``0.001``, ``1.0``."""
    if not math.isfinite(d):
        return "null"
    if d == 0.0:
        return "-0.0" if math.copysign(1.0, d) < 0 else "0.0"
    sign = "-" if d < 0 else ""
    mant, _, exp = repr(abs(d)).partition("e")
    whole, _, frac = mant.partition(".")
    digits = (whole + frac).lstrip("0")
    kk = len(whole) + int(exp or 0) - (len(whole + frac) - len((whole + frac).lstrip("0")))
    digits = digits.rstrip("0") or "0"
    n = len(digits)
    if n <= kk <= 21:
        text = digits + "0" * (kk - n) + ".0"
    elif 0 < kk <= 21:
        text = digits[:kk] + "." + digits[kk:]
    elif -6 < kk <= 0:
        text = "0." + "0" * -kk + digits
    elif n == 1:
        text = f"{digits}e{kk - 1}"
    else:
        text = f"{digits[0]}.{digits[1:]}e{kk - 1}"
    return sign + text


_JSON_SHORT_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\b": "\\b",
    "\f": "\\f",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
}
_JSON_NEEDS_ESCAPE = re.compile(r'["\\\x00-\x1f]')


def json_string(s: str) -> str:
    """``s`` (bytes as characters) as a JSON string literal, escaped as rapidjson does."""
    return (
        '"'
        + _JSON_NEEDS_ESCAPE.sub(
            lambda m: _JSON_SHORT_ESCAPES.get(m.group(0), "\\u%04X" % ord(m.group(0))), s
        )
        + '"'
    )


_PLAIN = re.compile(r"[\x20-\x7e\b\f\n\r\t]*")


def _utf8_length(lead: int) -> int:
    if lead >= 0xFC:
        return 6
    if lead >= 0xF8:
        return 5
    if lead >= 0xF0:
        return 4
    if lead >= 0xE0:
        return 3
    if lead >= 0xC0:
        return 2
    return 1


def _ok_utf8(chunk: str) -> bool:
    """Whether ``chunk`` is one UTF-8 character Zeek lets through unescaped."""
    try:
        cp = ord(chunk.encode("latin-1").decode("utf-8"))
    except (UnicodeDecodeError, TypeError):
        return False
    return not (
        cp <= 0x1F
        or cp == 0x7F
        or 0x80 <= cp <= 0x9F
        or 0xE000 <= cp <= 0xF8FF
        or 0xFFF0 <= cp <= 0xFFFF
    )


def escape_utf8(s: str) -> str:
    """Zeek's ``escape_utf8`` (unprintable controls escaped).

    If every non-ASCII sequence is valid UTF-8 (and no control character
    other than ``\\b\\f\\n\\r\\t`` occurs), ``s`` is returned unchanged;
    otherwise every such byte is written as ``\\xNN``.
    """
    if _PLAIN.fullmatch(s):
        return s
    escaped: list[str] = []
    bad = False
    i = 0
    while i < len(s):
        m = _PLAIN.match(s, i)
        if m.end() > i:
            escaped.append(m.group(0))
            i = m.end()
            continue
        size = 1 if bad else _utf8_length(ord(s[i]))
        if not bad and (i + size > len(s) or not _ok_utf8(s[i : i + size])):
            bad = True
            size = 1
        escaped.append("".join("\\x%02x" % ord(c) for c in s[i : i + size]))
        i += size
    return "".join(escaped) if bad else s


class _JSONWriter:
    def __init__(self, only_loggable: bool, escape_pattern, interval_as_double: bool):
        self.only_loggable = only_loggable
        self.escape_pattern = escape_pattern
        self.interval_as_double = interval_as_double

    def value(self, v, t: Type | None) -> str:
        if v is None:
            return "null"
        if type(v) is Boxed:
            v, t = v.v, v.t
        if t is None or t.tag == "any":
            t = type_of(v)
            if t is None:
                return "null"
        tag = t.tag
        method = getattr(self, "_" + tag, None)
        return method(v, t) if method is not None else "null"

    # -- atomic types

    def _bool(self, v, t):
        return "true" if v else "false"

    def _int(self, v, t):
        return str(v)

    _count = _int

    def _double(self, v, t):
        return json_double(float(v))

    _time = _double

    def _interval(self, v, t):
        return json_double(float(v)) if self.interval_as_double else json_string(formatter(t)(v))

    def _port(self, v, t):
        return '{"port":%d,"proto":%s}' % (v.num, json_string(v.proto))

    def _addr(self, v, t):
        return json_string(str(v))

    _subnet = _addr
    _pattern = _addr

    def _string(self, v, t):
        return json_string(escape_utf8(v))

    def _enum(self, v, t):
        return json_string(escape_utf8(v.name if type(v) is EnumVal else str(v)))

    def _func(self, v, t):
        return json_string(escape_utf8(formatter(t)(v).strip()))

    _file = _func

    def _opaque(self, v, t):
        return '{"opaque_type":%s}' % json_string(getattr(v, "json_type", type(v).__name__))

    # -- containers

    def _record(self, r, t):
        if not isinstance(r, Record):
            return "null"
        parts = []
        for f in r._rtype.fields:
            if self.only_loggable and not f.log:
                continue
            try:
                fv = getattr(r, field_attr(f.name))
            except AttributeError:
                continue
            if fv is None:
                continue
            parts.append(json_string(self._field_key(f.name)) + ":" + self.value(fv, f.type))
        return "{" + ",".join(parts) + "}"

    def _field_key(self, name: str) -> str:
        pat = self.escape_pattern
        if pat is None:
            return name
        for b, e in find_matches(pat, name):
            return name[:b] + name[e:]
        return name

    def _vector(self, v, t):
        elem = getattr(v, "ztype", t).elem
        return "[" + ",".join(self.value(x, elem) for x in v) + "]"

    def _index(self, key, indices: list[Type]) -> str:
        if len(indices) == 1:
            return self.value(key, indices[0])
        return "[" + ",".join(self.value(k, it) for k, it in zip(key, indices, strict=False)) + "]"

    def _table(self, tbl, t):
        tt = getattr(tbl, "ztype", t)
        idx = tt.indices
        if tt.is_set:
            return "[" + ",".join(self._index(k, idx) for k in zeekorder.keys(tbl)) + "]"
        parts = []
        for k, v in zeekorder.items(tbl):
            key = self._index(k, idx)
            if len(idx) == 1 and idx[0].tag in _STRING_LIKE:
                key = key[1:-1]
            else:
                key = json_string(key)[1:-1]
            parts.append('"' + key + '":' + self.value(v, tt.yield_))
        return "{" + ",".join(parts) + "}"


#: Types rendered as JSON strings (table keys of these types lose their quotes).
_STRING_LIKE = {"addr", "enum", "file", "func", "interval", "pattern", "string", "subnet", "opaque"}


def to_json_text(v, only_loggable=False, escape_pattern=None, interval_as_double=False) -> str:
    return _JSONWriter(only_loggable, escape_pattern, interval_as_double).value(v, None)


_PLAIN_WRITER = _JSONWriter(False, None, False)


def value_to_json(v, t: Type) -> str:
    """``v`` (of static type ``t``) as Zeek's ``Val::ToJSON()`` writes it (no options)."""
    return _PLAIN_WRITER.value(v, t)


@bif(
    "to_json",
    "function(val: any, only_loggable: bool &default=F, field_escape_pattern: pattern &default=/^_/,"
    " interval_as_double: bool &default=F): string",
)
def to_json(val, only_loggable=False, field_escape_pattern=None, interval_as_double=False):
    return to_json_text(val, only_loggable, field_escape_pattern, interval_as_double)


# ================================================================== from_json


class FromJSONError(Exception):
    pass


class _Object:
    """A JSON object keeping its members in order (duplicates allowed, first wins)."""

    __slots__ = ("first", "pairs")

    def __init__(self, pairs):
        self.pairs = pairs
        self.first: dict = {}
        for k, v in pairs:
            self.first.setdefault(k, v)


def _json_kind(j) -> str:
    if j is None:
        return "null"
    if isinstance(j, bool):
        return "bool"
    if isinstance(j, _Object):
        return "object"
    if isinstance(j, list):
        return "array"
    if isinstance(j, str):
        return "string"
    return "number"


def _zeek_type_name(t: Type) -> str:
    return "func" if t.tag == "func" else t.tag


def _bytes_of(s: str) -> str:
    """A decoded JSON string as zscript bytes (UTF-8)."""
    return s.encode("utf-8", "surrogateescape").decode("latin-1")


_PARSE_MESSAGES = [
    ("Unterminated string", "Missing a closing quotation mark in string."),
    ("Invalid control character", "Invalid encoding in string."),
    ("Invalid \\escape", "Invalid escape character in string."),
    ("Invalid \\uXXXX escape", "Incorrect hex digit after \\u escape in string."),
    ("Expecting property name", "Missing a name for object member."),
    ("Expecting ':' delimiter", "Missing a colon after a name of object member."),
    ("Extra data", "The document root must not be followed by other values."),
    ("Expecting value", "Invalid value."),
]


def _parse_error(e: _json.JSONDecodeError, text: str) -> str:
    msg = e.msg
    offset = e.pos
    if not text.strip():
        return "The document is empty. Offset: %d" % len(text)
    if msg.startswith("Expecting ',' delimiter"):
        inside = "object member." if _innermost_open(text, e.pos) == "{" else "array element."
        close = "}" if inside == "object member." else "]"
        return f"Missing a comma or '{close}' after an {inside} Offset: {offset}"
    for prefix, rapid in _PARSE_MESSAGES:
        if msg.startswith(prefix):
            if prefix == "Unterminated string":
                offset = len(text)
            return f"{rapid} Offset: {offset}"
    return f"{msg}. Offset: {offset}"


def _innermost_open(text: str, pos: int) -> str:
    depth: list[str] = []
    in_str = esc = False
    for c in text[:pos]:
        if in_str:
            in_str = not (c == '"' and not esc)
            esc = c == "\\" and not esc
        elif c == '"':
            in_str = True
        elif c in "[{":
            depth.append(c)
        elif c in "]}" and depth:
            depth.pop()
    return depth[-1] if depth else ""


def _reject_constant(name):
    raise ValueError(name)


def parse_json(text: str):
    """Parse JSON bytes; raises :class:`FromJSONError` with rapidjson's message."""
    source = text.encode("latin-1").decode("utf-8", "surrogateescape")
    try:
        return _json.loads(source, object_pairs_hook=_Object, parse_constant=_reject_constant)
    except _json.JSONDecodeError as e:
        raise FromJSONError("JSON parse error: " + _parse_error(e, source)) from None
    except ValueError:
        raise FromJSONError("JSON parse error: Invalid value. Offset: 0") from None


_INTERVAL_UNITS = {
    "day": 86400.0,
    "hr": 3600.0,
    "min": 60.0,
    "sec": 1.0,
    "msec": 1e-3,
    "usec": 1e-6,
}
_PORT_PROTOS = ("tcp", "udp", "icmp", "unknown")
_PORT_TEXT = re.compile(r"\s*([+-]?\d+)/(.*)", re.DOTALL)
_INT64 = range(-(1 << 63), 1 << 63)
_UINT64 = range(0, 1 << 64)


class _ValueBuilder:
    """Zeek's ``BuildVal``: a JSON value to a zscript value of a given type."""

    def __init__(self, ctx, key_func):
        self.ctx = ctx
        self.key_func = key_func

    def mismatch(self, j, t: Type):
        return FromJSONError(
            f"cannot convert JSON type '{_json_kind(j)}' to Zeek type '{_zeek_type_name(t)}'"
        )

    def build(self, j, t: Type):
        if j is None:
            return None
        method = getattr(self, "_" + t.tag, None)
        if method is None:
            raise FromJSONError(f"type '{_zeek_type_name(t)}' unsupported")
        return method(j, t)

    def _number(self, j, t, accept) -> float | int:
        if (
            isinstance(j, bool)
            or not isinstance(j, int | float)
            or (accept is not None and j not in accept)
        ):
            raise self.mismatch(j, t)
        return j

    def _bool(self, j, t):
        if not isinstance(j, bool):
            raise self.mismatch(j, t)
        return j

    def _int(self, j, t):
        if isinstance(j, float):
            raise self.mismatch(j, t)
        return self._number(j, t, _INT64)

    def _count(self, j, t):
        if isinstance(j, float):
            raise self.mismatch(j, t)
        return self._number(j, t, _UINT64)

    def _double(self, j, t):
        return float(self._number(j, t, None))

    _time = _double

    def _interval(self, j, t):
        if isinstance(j, str):
            return self._interval_text(j)
        return float(self._number(j, t, None))

    def _interval_text(self, text: str) -> float:
        parts = [p for p in text.split(" ") if p]
        if len(parts) % 2:
            raise FromJSONError("wrong interval format, must be pairs of values with units")
        secs = 0.0
        for value, unit in zip(parts[::2], parts[1::2], strict=True):
            scale = _INTERVAL_UNITS.get(unit[:-1] if unit.endswith("s") else unit)
            if scale is None:
                raise FromJSONError(f"wrong interval format, invalid unit type {unit}")
            try:
                secs += float(value) * scale
            except ValueError:
                raise FromJSONError(
                    "wrong interval format, must be pairs of values with units"
                ) from None
        return secs

    def _port(self, j, t):
        if isinstance(j, str):
            m = _PORT_TEXT.fullmatch(j) if 0 < len(j) < 10 else None
            if m is None or m.group(2) not in _PORT_PROTOS:
                raise FromJSONError(
                    "wrong port format, string must be /[0-9]{1,5}\\/(tcp|udp|icmp|unknown)/"
                )
            return _make_port(int(m.group(1)), m.group(2))
        if isinstance(j, _Object):
            members = j.first
            if "port" not in members or "proto" not in members:
                raise FromJSONError(
                    "wrong port format, object must have 'port' and 'proto' members"
                )
            num, proto = members["port"], members["proto"]
            if isinstance(num, bool) or not isinstance(num, int | float):
                raise FromJSONError("wrong port format, port must be a number")
            if not isinstance(proto, str):
                raise FromJSONError("wrong port format, protocol must be a string")
            if proto not in _PORT_PROTOS:
                raise FromJSONError("wrong port format, invalid protocol string")
            return _make_port(int(num), proto)
        raise FromJSONError("wrong port format, must be string or object")

    def _pattern(self, j, t):
        if not isinstance(j, str):
            raise self.mismatch(j, t)
        text = _bytes_of(j)
        if len(text) > 2 and text[0] == text[-1] == "/":
            text = text[1:-1]
        if len(text) > 6 and text.startswith("^?(") and text.endswith(")$?"):
            text = text[3:-3]
        try:
            return make_pattern(text)
        except re.error:
            reporter_error(self.ctx, f"error compiling pattern /^?(.|\\n)*({text})/")
            raise FromJSONError("error compiling pattern") from None

    def _addr(self, j, t):
        if not isinstance(j, str):
            raise self.mismatch(j, t)
        a = parse_addr(_strip_brackets(_bytes_of(j)))
        if a is None:
            raise FromJSONError(f"invalid value for addr: '{_bytes_of(j)}'")
        return a

    def _subnet(self, j, t):
        if not isinstance(j, str):
            raise self.mismatch(j, t)
        text = _bytes_of(j)
        err = FromJSONError(f"invalid value for subnet: '{text}'")
        ip_text, slash, width_text = text.partition("/")
        m = re.match(r"\s*[+-]?\d+", width_text)
        if not slash or m is None:
            raise err
        a = parse_addr(_strip_brackets(ip_text))
        width = int(m.group(0))
        v4 = a is not None and addr_bits(a) >> 32 == 0xFFFF
        if a is None or not 0 <= width <= (32 if v4 else 128):
            raise err
        return subnet_from_bits(addr_bits(a), width + 96 if v4 else width)

    def _enum(self, j, t):
        if not isinstance(j, str):
            raise self.mismatch(j, t)
        name = _bytes_of(j)
        ev = getattr(t, "runtime_values", {}).get(name)
        if ev is None:
            raise FromJSONError(f"'{name}' is not a valid enum for '{t.name}'.")
        return ev

    def _string(self, j, t):
        if not isinstance(j, str):
            raise self.mismatch(j, t)
        return _bytes_of(j)

    def _index(self, j, indices: list[Type]):
        """A set element or table index: one value, or a tuple for several index types."""
        if len(indices) == 1:
            return self.build(j, indices[0])
        if not isinstance(j, list):
            raise FromJSONError(f"cannot convert JSON type '{_json_kind(j)}' to Zeek type 'list'")
        if len(j) < len(indices):
            raise FromJSONError("index type doesn't match")
        return tuple(self.build(x, it) for x, it in zip(j, indices, strict=False))

    def _table(self, j, t: TableType):
        if t.is_set:
            if not isinstance(j, list):
                raise self.mismatch(j, t)
            out = Set(t)
            for item in j:
                k = self._index(item, t.indices)
                if k is not None:
                    out[k] = None
            return out
        if not isinstance(j, _Object):
            raise self.mismatch(j, t)
        out = Table(t)
        for name, item in j.pairs:
            k = self._table_key(name, t.indices)
            if k is None:
                continue
            v = self.build(item, t.yield_)
            if v is not None:
                out[k] = v
        return out

    def _table_key(self, name: str, indices: list[Type]):
        if len(indices) == 1 and indices[0].tag in _STRING_LIKE:
            return self.build(name, indices[0])
        try:
            parsed = _json.loads(name, object_pairs_hook=_Object, parse_constant=_reject_constant)
        except ValueError:
            return None
        return self._index(parsed, indices)

    def _record(self, j, t: RecordType):
        if not isinstance(j, _Object):
            raise self.mismatch(j, t)
        members = j.first
        if self.key_func is not None:
            members = {}
            for name, item in j.pairs:
                members[self.map_key(name)] = item
        given = {}
        for f in t.fields:
            jv = members.get(f.name)
            if jv is None:
                if not f.optional and not f.has_default:
                    state = "null" if f.name in members else "missing"
                    raise FromJSONError(f"required field {t.name}${f.name} is {state} in JSON")
                continue
            given[field_attr(f.name)] = self.build(jv, f.type)
        return record_class(t)._zmake(given)

    def map_key(self, name: str) -> str:
        try:
            result = self.key_func(_bytes_of(name))
        except Exception:  # noqa: BLE001 - a script error in the key function
            result = None
        if not isinstance(result, str):
            raise FromJSONError("key function error")
        return result

    def _vector(self, j, t: VectorType):
        if not isinstance(j, list):
            raise self.mismatch(j, t)
        items = (self.build(x, t.elem) for x in j)
        return Vector(t, [x for x in items if x is not None])


def _strip_brackets(s: str) -> str:
    if s.startswith("["):
        s = s[1:]
    if s.endswith("]"):
        s = s[:-1]
    return s


def _make_port(num: int, proto: str) -> Port:
    return Port(num if 0 <= num <= 0xFFFF else 0, proto)


def value_from_json(text: str, t: Type):
    """Zeek's ``ValFromJSON``: JSON text (bytes as characters) to a value of type ``t``.

    Raises :class:`FromJSONError` with Zeek's message when the text does not
    parse or does not fit ``t``.
    """
    return _ValueBuilder(None, None).build(parse_json(text), t)


@bif(
    "from_json",
    "function(s: string, t: any, key_func: string_mapper &default=from_json_default_key_mapper): from_json_result",
    context=True,
)
def from_json(ctx, s, t, key_func=None):
    rt = script_type(ctx, "from_json_result")
    cls = record_class(rt)
    if type(t) is not TypeVal:
        builtin_error(ctx, "from_json() requires a type argument")
        return cls._zmake({"f_valid": False})
    if getattr(key_func, "_zname", None) == "from_json_default_key_mapper":
        key_func = None
    target = t.type
    try:
        v = _ValueBuilder(ctx, key_func).build(parse_json(s), target)
    except FromJSONError as e:
        return cls._zmake({"f_valid": False, "f_err": str(e)})
    given = {"f_valid": True}
    if v is not None:
        given["f_v"] = box(v, target)
    return cls._zmake(given)
