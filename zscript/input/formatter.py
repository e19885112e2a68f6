"""Parsing one ASCII field into a value (Zeek's ``formatter::Ascii::ParseValue``).

Used by the ASCII, config and SQLite readers on their threads.  A field's
text becomes the Python value zscript uses for its type (see
:mod:`zscript.runtime.values`), with three exceptions left to the input
manager, which owns the script types: an enum is its name (a ``str``), a
set or vector is a ``list`` of element values, and the unset field is
``None``.  Problems are reported through the reader's ``warning`` with
Zeek's wording; :class:`ParseError` means the field has no value (the
reader then drops the line).

Numbers follow C's ``strtoll``/``strtoull``/``strtod``: leading blanks and a
sign are accepted, trailing text is ignored with a warning, and values out
of range are errors.
"""

from __future__ import annotations

import ipaddress
import math
import re
import socket
from collections.abc import Callable

from ..asciifmt import SeparatorInfo, unescape
from ..runtime.patterns import Addr, Pattern, Port, Subnet

__all__ = ["AsciiParser", "ParseError", "parse_addr"]

_INT_PREFIX = re.compile(r"[ \t\n\v\f\r]*[+-]?[0-9]+")
_FLOAT_PREFIX = re.compile(
    r"[ \t\n\v\f\r]*[+-]?(?:inf(?:inity)?|nan|(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)",
    re.IGNORECASE,
)
_INT64 = 1 << 63
_UINT64 = 1 << 64
_PROTOS = {"tcp": "tcp", "udp": "udp", "icmp": "icmp", "unknown": "unknown"}


class ParseError(Exception):
    """The field could not be converted (the warning was already given)."""


def _strip(s: str) -> str:
    """``util::strstrip``: without leading and trailing whitespace."""
    return s.strip(" \t\n\v\f\r")


def _inet_aton(s: str) -> ipaddress.IPv4Address:
    """C's ``inet_aton`` (``1.2`` and ``0x7f.1`` are addresses too)."""
    try:
        return ipaddress.IPv4Address(socket.inet_aton(s))
    except OSError as e:
        raise ValueError(s) from e


def parse_addr(s: str, warn: Callable[[str], None]) -> Addr:
    """``Formatter::ParseAddr``: a bad address is warned about and becomes
    ``0.0.0.0`` (or ``::``)."""
    if ":" not in s:
        try:
            return Addr(_inet_aton(s))
        except ValueError:
            warn(f"Bad address: {s}")
            return Addr(ipaddress.IPv4Address(0))
    clean = s[1:-1] if s.startswith("[") and s.endswith("]") else s
    try:
        ip = ipaddress.IPv6Address(clean)
    except ValueError:
        warn(f"Bad address: {clean}")
        return Addr(ipaddress.IPv6Address(0))
    mapped = ip.ipv4_mapped
    return Addr(mapped if mapped is not None else ip)


def parse_proto(proto: str, warn: Callable[[str], None]) -> str:
    """``Formatter::ParseProto`` (the protocol column of a ``&type_column`` port)."""
    p = _PROTOS.get(proto)
    if p is None:
        warn(f"Tried to parse invalid/unknown protocol: {proto}")
        return "unknown"
    return p


class AsciiParser:
    """Field parsing with one set of separators; ``warn`` reports problems."""

    def __init__(self, seps: SeparatorInfo, warn: Callable[[str], None]):
        self.seps = seps
        self.warn = warn

    # ------------------------------------------------------------- numbers

    def _number_error(self, s: str, consumed: int, nonneg: bool, overflow: bool) -> bool:
        """``Ascii::CheckNumberError``: warn; True if the field is unusable."""
        rest = s[consumed:]
        if consumed == 0 and rest:
            self.warn(f"String '{s}' contained no parseable number")
            return True
        if consumed == 0:
            self.warn("Got empty string for number field")
            return True
        if rest:
            self.warn(
                f"Number '{s}' contained non-numeric trailing characters. "
                f"Ignored trailing characters '{rest}'"
            )
        if nonneg and s[:consumed].lstrip(" \t\n\v\f\r").startswith("-"):
            self.warn(f"Number '{s}' cannot be negative")
            return True
        if overflow:
            self.warn(f"Number '{s}' out of supported range.")
            return True
        return False

    def _integer(self, s: str, unsigned: bool) -> int:
        m = _INT_PREFIX.match(s)
        if m is None:
            self._number_error(s, 0, unsigned, False)
            raise ParseError(s)
        v = int(m.group(0))
        if unsigned:
            overflow = abs(v) >= _UINT64
            v = 0 if overflow else v % _UINT64
        else:
            overflow = not -_INT64 <= v < _INT64
        if self._number_error(s, m.end(), unsigned, overflow):
            raise ParseError(s)
        return v

    def _double(self, s: str) -> float:
        m = _FLOAT_PREFIX.match(s)
        if m is None:
            self._number_error(s, 0, False, False)
            raise ParseError(s)
        v = float(m.group(0).strip(" \t\n\v\f\r"))
        text = m.group(0).lower()
        overflow = (math.isinf(v) and "inf" not in text) or (
            v == 0.0 and any(c in "123456789" for c in text.split("e")[0])
        )
        if self._number_error(s, m.end(), False, overflow):
            raise ParseError(s)
        return v

    # --------------------------------------------------------------- values

    def parse(self, s: str, name: str, tag: str, subtype: str | None = None):
        """The value of field ``name`` (type ``tag``) written as ``s``; None if unset."""
        seps = self.seps
        if seps.unset_field and s == seps.unset_field:
            return None
        if tag in ("string", "enum"):
            return unescape(s)
        if tag == "bool":
            t = _strip(s)
            if t in ("T", "1"):
                return True
            if t in ("F", "0"):
                return False
            self.warn(f"Field: {name} Invalid value for boolean: {s}")
            raise ParseError(s)
        if tag == "int":
            return self._integer(s, False)
        if tag == "count":
            return self._integer(s, True)
        if tag in ("double", "time", "interval"):
            return self._double(s)
        if tag == "port":
            return self._port(s)
        if tag == "subnet":
            return self._subnet(s)
        if tag == "addr":
            return parse_addr(_strip(unescape(s)), self.warn)
        if tag == "pattern":
            return self._pattern(s)
        if tag in ("table", "vector"):
            return self._container(s, name, subtype)
        self.warn(f"unsupported field format {tag} for {name}")
        raise ParseError(s)

    def _port(self, s: str) -> Port:
        t = _strip(s)
        proto = "unknown"
        pos = t.find("/")
        number = s
        if pos != -1 and len(t) > pos + 1:
            p = t[pos + 1 :].lower()
            if p in _PROTOS:
                proto = p
            else:
                self.warn(f"Port '{s}' contained unknown protocol '{t[pos + 1 :]}'")
        if pos > 0:
            number = t[:pos]
        return Port(self._integer(number, True), proto)

    def _subnet(self, s: str) -> Subnet:
        t = _strip(unescape(s))
        pos = t.find("/")
        if pos == -1:
            self.warn(f"Invalid value for subnet: {s}")
            raise ParseError(s)
        width_text = t[pos + 1 :]
        m = _INT_PREFIX.match(width_text)
        # Zeek checks the width's conversion against the start of the whole field.
        if m is None:
            self._number_error(s, 0, False, False)
            raise ParseError(s)
        width = int(m.group(0)) & 0xFF
        addr = parse_addr(t[:pos], self.warn)
        try:
            net = ipaddress.ip_network((addr.ip, width), strict=False)
        except ValueError:
            net = ipaddress.ip_network((addr.ip, addr.ip.max_prefixlen), strict=False)
        return Subnet(net)

    def _pattern(self, s: str) -> Pattern:
        cand = unescape(s)
        if len(cand) >= 2 and cand[0] == "/":
            closing = cand.rfind("/")
            if closing > 0 and len(cand) - 1 - closing <= 2:
                flags = cand[closing + 1 :]
                if len(set(flags)) == len(flags) and set(flags) <= {"i", "s"}:
                    text = cand[1:closing]
                    try:
                        return Pattern(text, "".join(sorted(flags)))
                    except (re.error, OverflowError, RecursionError):
                        pass
        self.warn(f"String '{cand}' contained no parseable pattern.")
        raise ParseError(s)

    def _container(self, s: str, name: str, subtype: str | None) -> list:
        seps = self.seps
        sep = seps.set_separator[:1]
        if (seps.empty_field and s == seps.empty_field) or (not seps.empty_field and not s):
            return []
        parts = s.split(sep) if sep else [s]
        # A trailing separator (or nothing at all) adds an empty element, as in Zeek.
        if parts and parts[-1] == "" and (s == "" or s.endswith(sep)):
            parts.pop()
            trailing = True
        else:
            trailing = False
        out = []
        for part in parts:
            try:
                out.append(self.parse(part, name, subtype or "string"))
            except ParseError:
                self.warn("Error while reading set or vector")
                raise
        if trailing:
            try:
                out.append(self.parse("", name, subtype or "string"))
            except ParseError:
                self.warn("Error while trying to add empty set element")
                raise
        return out
