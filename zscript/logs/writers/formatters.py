"""Rendering rows as Zeek's ASCII (TSV) and JSON log lines.

Both formatters are built once per writer from its columns: each column gets
a function from its log value (see :mod:`zscript.logs.schema`) to text, so a
row costs one call per column.  Text is a ``str`` of bytes (code points
0-255), written out with the latin-1 codec.

TSV (Zeek's ``threading::formatter::Ascii`` with an escaping ``ODesc``):

* unset values are ``unset_field`` (``-``); empty strings and empty
  containers are ``empty_field`` (``(empty)``); a string *equal* to either
  gets its first byte hex-escaped (``\\x2d``);
* bools are ``T``/``F``; ports their number; doubles as Zeek's
  ``double_to_str`` with 6 digits and no exponent (``3.14``, ``100.0``);
  times and intervals with exactly 6 decimals;
* set and vector elements are joined with ``set_separator``;
* escaping: ``\\`` becomes ``\\\\``; occurrences of the separator (and, in
  containers, the set separator) are hex-escaped; with ``enable_utf_8``
  (the default) a run of text between those is kept as is when it is
  printable ASCII or valid UTF-8 without control characters, else all of
  its bytes outside printable ASCII are hex-escaped; without it every
  unprintable byte is hex-escaped;
* a line starting with the meta prefix (``#``) gets that byte escaped.

JSON (Zeek's ``threading::formatter::JSON``): one object per line, unset
fields left out (or ``null`` with ``json_include_unset_fields``); ports and
counts are numbers, addresses and subnets strings, doubles and intervals
numbers in RapidJSON's shortest form (``100.0``, ``1e-07`` is ``1e-7``),
times per ``json_timestamps``.  Strings (``json_string_escape_policy``):
``HEX`` (default) keeps a string that is valid UTF-8 without control
characters and otherwise hex-escapes its bytes outside printable ASCII
(``\\xNN``, the backslash then JSON-escaped); ``PUA`` maps each invalid
byte to ``\\udb80\\udcNN``; ``TSV`` applies the TSV escaping first.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable, Sequence
from decimal import Decimal

from ...asciifmt import escape_header, split_type
from ...asciifmt import hex_escape as _hex
from ..schema import LogField

__all__ = [
    "JsonFormatter",
    "TsvFormatter",
    "escape_header",
    "format_log_double",
    "json_double",
    "split_type",
]

_PRINTABLE = re.compile(r"[\x20-\x7e]*\Z")


def _utf8_ok(seg: str, keep: str = "") -> bool:
    """Zeek's ``escape_utf8`` keeps ``seg`` as is: valid UTF-8, no controls
    (except those in ``keep``), no private-use or U+FFF0.. specials."""
    try:
        text = seg.encode("latin-1").decode("utf-8")
    except UnicodeDecodeError:
        return False
    for ch in text:
        if ch in keep:
            continue
        o = ord(ch)
        if o < 0x20 or 0x7F <= o <= 0x9F or 0xE000 <= o <= 0xF8FF or 0xFFF0 <= o <= 0xFFFF:
            return False
    return True


def _escape_utf8(seg: str, keep: str = "") -> str:
    """``util::escape_utf8``: ``seg`` if acceptable, else hex-escape everything
    except printable ASCII and the characters in ``keep``."""
    if _PRINTABLE.match(seg) or _utf8_ok(seg, keep):
        return seg
    return "".join(c if " " <= c <= "~" or c in keep else "\\x%02x" % ord(c) for c in seg)


def make_escaper(sequences: tuple[str, ...], utf8: bool) -> Callable[[str], str]:
    """The TSV escaping of an ``ODesc`` with escaping on and ``sequences``
    as its escape sequences (see the module documentation)."""
    seqs = tuple(s for s in sequences if s)
    special = "|".join(re.escape(s) for s in (*seqs, "\\"))
    finder = re.compile(special + ("" if utf8 else r"|[^\x20-\x7e]"))
    suspect = re.compile(special + r"|[^\x20-\x7e]")
    seg = _escape_utf8 if utf8 else str

    def escape(s: str) -> str:
        if suspect.search(s) is None:
            return s
        out = []
        pos = 0
        for m in finder.finditer(s):
            if m.start() > pos:
                out.append(seg(s[pos : m.start()]))
            tok = m.group(0)
            out.append("\\\\" if tok == "\\" else _hex(tok))
            pos = m.end()
        if pos < len(s):
            out.append(seg(s[pos:]))
        return "".join(out)

    return escape


# ----------------------------------------------------------------- numbers


def format_log_double(v: float) -> str:
    """``ODesc::Add(double, no_exp=true)``: fixed, 6 digits, trailing zeros
    removed, ``.0`` added to integral values."""
    if v != v:
        return "nan"
    neg = v < 0
    a = -v if neg else v + 0.0
    if a == math.inf:
        s = "inf"
    else:
        s = ("%.6f" % a).rstrip("0")
        if s.endswith("."):
            s = s[:-1]
    if neg:
        s = "-" + s
    if math.isfinite(v) and abs(v - round(v)) <= 1e-9:
        s += ".0"
    return s


def _fixed6(v: float) -> str:
    return "%.6f" % v


def json_double(v: float) -> str:
    """RapidJSON's ``Writer::Double`` (``null`` for NaN and infinities)."""
    s = repr(v)
    if "e" not in s and "n" not in s:
        # Python's fixed notation (1e-4 <= |v| < 1e16) has the same shortest
        # digits and the same layout as RapidJSON's ``Prettify``.
        return s
    return _json_double_digits(v)


def _json_double_digits(v: float) -> str:
    """:func:`json_double` for every double, from its shortest digits."""
    if v != v or v in (math.inf, -math.inf):
        return "null"
    if v == 0:
        return "-0.0" if math.copysign(1.0, v) < 0 else "0.0"
    sign = "-" if v < 0 else ""
    _, digit_t, exp = Decimal(repr(abs(v))).as_tuple()
    digits = "".join(map(str, digit_t))
    stripped = digits.rstrip("0")
    k = exp + len(digits) - len(stripped)
    d = stripped
    kk = len(d) + k
    if k >= 0 and kk <= 21:
        s = d + "0" * k + ".0"
    elif 0 < kk <= 21:
        s = d[:kk] + "." + d[kk:]
    elif -6 < kk <= 0:
        s = "0." + "0" * -kk + d
    elif kk < -324:
        s = "0.0"
    elif len(d) == 1:
        s = f"{d}e{kk - 1}"
    else:
        s = f"{d[0]}.{d[1:]}e{kk - 1}"
    return sign + s


# --------------------------------------------------------------------- TSV

_ATOM_TSV: dict[str, Callable] = {
    "bool": lambda v: "T" if v else "F",
    "int": str,
    "count": str,
    "port": str,
    "addr": str,
    "subnet": str,
    "double": format_log_double,
    "time": _fixed6,
    "interval": _fixed6,
}

_TEXT_TYPES = frozenset(("string", "enum", "func", "file"))

#: Column types formatted inline by the generated ``line``: an expression
#: template for the (not None) value and the helper function it calls.
_TSV_INLINE: dict[str, tuple[str, Callable | None]] = {
    "bool": ('("T" if {0} else "F")', None),
    "int": ("str({0})", None),
    "count": ("str({0})", None),
    "port": ("str({0})", None),
    "addr": ("{0}", None),
    "subnet": ("{0}", None),
    "double": ("format_log_double({0})", format_log_double),
    "time": ("_fixed6({0})", _fixed6),
    "interval": ("_fixed6({0})", _fixed6),
}


class TsvFormatter:
    """Zeek's ASCII log line format for one set of columns."""

    def __init__(
        self,
        fields: Sequence[LogField],
        *,
        separator: str = "\t",
        set_separator: str = ",",
        empty_field: str = "(empty)",
        unset_field: str = "-",
        utf8: bool = True,
        meta_prefix: str = "#",
    ):
        self.separator = separator
        self.unset = unset_field
        self.empty = empty_field
        self.meta_prefix = meta_prefix
        self.utf8 = utf8
        self._escape_top = make_escaper((separator,), utf8)
        self._escape_elem = make_escaper((separator, set_separator), utf8)
        self._set_sep = set_separator
        #: ``line(row)``: one row as a line, with the trailing newline.
        self.line: Callable[[Sequence], str] = self._compile([f.type for f in fields])

    def _compile(self, types: list[str]) -> Callable[[Sequence], str]:
        """Generate ``line``: one inline expression per simple column, a call
        for text and containers (rows are formatted by the million)."""
        env = {"SEP": self.separator, "U": self.unset, "MP": self.meta_prefix, "_hex": _hex}
        exprs = []
        for i, type_name in enumerate(types):
            c = f"c{i}"
            inline = _TSV_INLINE.get(type_name)
            if inline is not None:
                expr, helper = inline
                if helper is not None:
                    env[helper.__name__] = helper
                exprs.append(f"(U if {c} is None else {expr.format(c)})")
            else:
                env[f"f{i}"] = self.column_formatter(type_name)
                exprs.append(f"f{i}({c})")
        if not exprs:
            return lambda row: "\n"
        src = [
            "def line(row):",
            f"    {', '.join(f'c{i}' for i in range(len(exprs)))}, = row",
            f"    s = SEP.join(({', '.join(exprs)},))",
        ]
        if self.meta_prefix:
            src.append("    if s.startswith(MP): s = _hex(s[0]) + s[1:]")
        src.append("    return s + '\\n'")
        exec(compile("\n".join(src), "<tsv line>", "exec"), env)
        return env["line"]

    # ------------------------------------------------------------- building

    def _text(self, escape: Callable[[str], str]) -> Callable:
        unset, empty = self.unset, self.empty

        def fmt(v) -> str:
            if v is None:
                return unset
            if not v:
                return empty
            if v in (unset, empty):
                return _hex(v[0]) + escape(v[1:])
            return escape(v)

        return fmt

    def _atom(self, type_name: str, escape: Callable[[str], str]) -> Callable:
        if type_name in _TEXT_TYPES:
            return self._text(escape)
        base = _ATOM_TSV.get(type_name, str)
        unset = self.unset

        def fmt(v) -> str:
            return unset if v is None else base(v)

        return fmt

    def column_formatter(self, type_name: str) -> Callable:
        """The text of a value of column type ``type_name`` (``None``: unset)."""
        kind, elem = split_type(type_name)
        if kind is None:
            return self._atom(elem, self._escape_top)
        efmt = self._atom(elem, self._escape_elem)
        unset, empty, sep = self.unset, self.empty, self._set_sep

        def fmt(v) -> str:
            if v is None:
                return unset
            if not v:
                return empty
            return sep.join([efmt(x) for x in v])

        return fmt


# -------------------------------------------------------------------- JSON

_JSON_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\b": "\\b",
    "\f": "\\f",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
}
_JSON_SPECIAL = re.compile(r'["\\\x00-\x1f]')
_CONTROLS_KEPT = "\b\f\n\r\t"


def _json_escape_char(m: re.Match) -> str:
    c = m.group(0)
    return _JSON_ESCAPES.get(c) or "\\u%04X" % ord(c)


def _json_str(s: str) -> str:
    """A JSON string literal of ``s`` (RapidJSON's escaping, bytes >= 0x80 raw)."""
    return '"' + _JSON_SPECIAL.sub(_json_escape_char, s) + '"'


def _json_text(v: str) -> str:
    if v.isascii() and v.isprintable() and '"' not in v and "\\" not in v:
        return '"' + v + '"'  # nothing to escape (the common case)
    return _json_str(_escape_utf8(v, _CONTROLS_KEPT))


def _utf8_size(lead: int) -> int:
    """Bytes of the UTF-8 sequence a lead byte announces (1 for continuation bytes)."""
    if lead < 0xC0:
        return 1
    if lead < 0xE0:
        return 2
    if lead < 0xF0:
        return 3
    if lead < 0xF8:
        return 4
    return 5 if lead < 0xFC else 6


def _json_pua(v: str) -> str:
    """``STRING_ESCAPE_POLICY_PUA``: each byte that is not part of a valid
    character becomes the code point U+DC00+byte (``\\udb80\\udcNN``)."""
    out = ['"']
    i, n = 0, len(v)
    while i < n:
        c = v[i]
        esc = _JSON_ESCAPES.get(c)
        if esc is not None:
            out.append(esc)
            i += 1
        elif " " <= c <= "~":
            out.append(c)
            i += 1
        else:
            size = _utf8_size(ord(c))
            chunk = v[i : i + size]
            if len(chunk) == size and _utf8_ok(chunk):
                out.append(chunk)
                i += size
            else:
                out.append("\\udb80\\udc%02x" % ord(c))
                i += 1
    out.append('"')
    return "".join(out)


_TSV_ESCAPE = make_escaper((), True)


def _json_tsv(v: str) -> str:
    """``STRING_ESCAPE_POLICY_TSV``: the TSV writer's escaping, then JSON's."""
    return _json_str(_TSV_ESCAPE(v))


_STRING_POLICIES: dict[str, Callable] = {
    "JSON::STRING_ESCAPE_POLICY_HEX": _json_text,
    "JSON::STRING_ESCAPE_POLICY_PUA": _json_pua,
    "JSON::STRING_ESCAPE_POLICY_TSV": _json_tsv,
}


def _json_int(v) -> str:
    return str(int(v))


def _iso8601(v: float) -> str:
    whole = math.floor(v)
    try:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole))
    except (OverflowError, OSError, ValueError):
        return '"2000-01-01T00:00:00.000000"'
    frac = v - whole
    return '"%s.%06.0fZ"' % (stamp, abs(frac) * 1000000)


_TIME_FORMATS: dict[str, Callable] = {
    "JSON::TS_EPOCH": json_double,
    "JSON::TS_MILLIS": lambda v: str(int(v * 1000)),
    "JSON::TS_MILLIS_UNSIGNED": lambda v: str(int(v * 1000) % (1 << 64)),
    "JSON::TS_ISO8601": _iso8601,
}

#: Column types the generated JSON ``line`` formats inline (log values of
#: ports are their numbers; addresses and subnets need no escaping).
_JSON_INLINE: dict[str, str] = {
    "count": "str({0})",
    "port": "str({0})",
    "addr": "'\"' + {0} + '\"'",
    "subnet": "'\"' + {0} + '\"'",
}

_ATOM_JSON: dict[str, Callable] = {
    "bool": lambda v: "true" if v else "false",
    "int": _json_int,
    "count": _json_int,
    "port": _json_int,
    "addr": _json_str,
    "subnet": _json_str,
    "double": json_double,
    "interval": json_double,
    "string": _json_text,
    "enum": _json_text,
    "func": _json_text,
    "file": _json_text,
}


class JsonFormatter:
    """Zeek's JSON log line format for one set of columns."""

    def __init__(
        self,
        fields: Sequence[LogField],
        *,
        timestamps: str = "JSON::TS_EPOCH",
        include_unset: bool = False,
        string_policy: str = "JSON::STRING_ESCAPE_POLICY_HEX",
    ):
        if timestamps not in _TIME_FORMATS:
            raise ValueError(f"Invalid JSON timestamp format: {timestamps}")
        if string_policy not in _STRING_POLICIES:
            raise ValueError(f"Invalid JSON string escape policy: {string_policy}")
        self._time = _TIME_FORMATS[timestamps]
        self._string = _STRING_POLICIES[string_policy]
        self.include_unset = include_unset
        #: ``line(row)``: one row as a JSON object line, with the trailing newline.
        self.line: Callable[[Sequence], str] = self._compile(fields)

    def _compile(self, fields: Sequence[LogField]) -> Callable[[Sequence], str]:
        """Generate ``line`` (see :meth:`TsvFormatter._compile`)."""
        if not fields:
            return lambda row: "{}\n"
        env: dict = {}
        src = [
            "def line(row):",
            f"    {', '.join(f'c{i}' for i in range(len(fields)))}, = row",
            "    p = []",
        ]
        for i, f in enumerate(fields):
            env[f"k{i}"] = _json_str(f.name) + ":"
            value = _JSON_INLINE.get(f.type)
            if value is None:
                env[f"f{i}"] = self._column(f.type)
                value = f"f{i}({{0}})"
            value = value.format(f"c{i}")
            if self.include_unset:
                src.append(f"    p.append(k{i} + ('null' if c{i} is None else {value}))")
            else:
                src.append(f"    if c{i} is not None: p.append(k{i} + {value})")
        src.append("    return '{' + ','.join(p) + '}\\n'")
        exec(compile("\n".join(src), "<json line>", "exec"), env)
        return env["line"]

    def _atom(self, type_name: str) -> Callable:
        if type_name == "time":
            return self._time
        if type_name == "string":
            return self._string
        return _ATOM_JSON.get(type_name, _json_text)

    def _column(self, type_name: str) -> Callable:
        kind, elem = split_type(type_name)
        atom = self._atom(elem)
        if kind is None:
            return atom

        def fmt(v) -> str:
            return "[" + ",".join(["null" if x is None else atom(x) for x in v]) + "]"

        return fmt
