"""The network values: ``addr``, ``subnet`` and ``port``.

Zeek keeps every address in 128 bits (``IPAddr``, src/IPAddr.h): an IPv4
address is stored IPv4-mapped (``::ffff:a.b.c.d``), so ``[::ffff:1.2.3.4]``
*is* ``1.2.3.4``.  A subnet (``IPPrefix``) is a masked 128-bit prefix with a
length counted from the top of the 128 bits; it is an IPv4 subnet when its
prefix is IPv4-mapped, and then prints with ``length - 96``.  So
``"::ffff:0:0/96" as subnet`` is ``0.0.0.0/0``.

:class:`Addr` and :class:`Subnet` wrap ``ipaddress`` objects normalised to
that model (an IPv4-mapped address or subnet is always an ``IPv4*`` object);
:func:`addr_bits`, :func:`addr_from_bits`, :func:`subnet_bits` and
:func:`subnet_from_bits` convert to and from the 128-bit form the built-in
functions compute in.

Text is parsed as Zeek parses it (:func:`parse_addr`: ``IPAddr::ConvertString``,
:func:`parse_subnet`: ``IPPrefix::ConvertString``, :func:`parse_port`:
``convert_string_to_port`` in src/val-convert.cc) and IPv6 addresses print as
Zeek's ``zeek_inet_ntop`` prints them, which writes the IPv4-compatible and
IPv4-translated forms with a dotted quad (``::255.255.255.255``,
``::ffff:0:192.168.1.100``).

A port is a number and a protocol name (``tcp``, ``udp``, ``icmp`` or
``unknown``); ports order by protocol first, in Zeek's ``TransportProto``
order (unknown, tcp, udp, icmp), then by number.
"""

from __future__ import annotations

import ipaddress
import re

__all__ = [
    "Addr",
    "Port",
    "Subnet",
    "addr_bits",
    "addr_from_bits",
    "addr_is_v4",
    "addr_words",
    "format_v6",
    "make_addr",
    "make_port",
    "make_subnet",
    "mask_bits",
    "parse_addr",
    "parse_port",
    "parse_subnet",
    "subnet_bits",
    "subnet_contains",
    "subnet_from_bits",
]

V4_MAPPED = 0xFFFF << 32
_ALL = (1 << 128) - 1


class _Ordered:
    """Ordering by ``_key()`` (ports and addresses compare as Zeek orders them)."""

    __slots__ = ()

    def __lt__(self, other) -> bool:
        return self._key() < other._key()

    def __le__(self, other) -> bool:
        return self._key() <= other._key()

    def __gt__(self, other) -> bool:
        return self._key() > other._key()

    def __ge__(self, other) -> bool:
        return self._key() >= other._key()


# ------------------------------------------------------------------ ports

#: Zeek's TransportProto numbering (src/net_util.h), which orders ports.
_PROTO_ORDER = {"unknown": 0, "tcp": 1, "udp": 2, "icmp": 3}


class Port(_Ordered):
    __slots__ = ("num", "proto")

    def __init__(self, num: int, proto: str):
        self.num = num
        self.proto = proto

    def __str__(self) -> str:
        return f"{self.num}/{self.proto}"

    def __eq__(self, other) -> bool:
        return isinstance(other, Port) and other.num == self.num and other.proto == self.proto

    def _key(self) -> tuple[int, int]:
        return _PROTO_ORDER.get(self.proto, 0), self.num

    def __hash__(self) -> int:
        return hash((self.num, self.proto))


def make_port(num: int, proto: str) -> Port:
    return Port(num, proto)


_PORT_PROTOS = ("tcp", "udp", "icmp")
_LEADING_INT = re.compile(r"[ \t\n\v\f\r]*([+-]?\d+)")


def parse_port(s: str) -> Port | None:
    """``"80/tcp" as port``: a number, any one separator character, a protocol."""
    if not 0 < len(s) < 10:
        return None
    m = _LEADING_INT.match(s)
    if m is None or m.end() >= len(s):
        return None
    proto = s[m.end() + 1 :]
    if proto not in _PORT_PROTOS:
        return None
    return Port(int(m.group(1)) & 0xFFFFFFFF, proto)


# ------------------------------------------------------------------ addresses


class Addr(_Ordered):
    __slots__ = ("ip",)

    def __init__(self, ip):
        self.ip = ip

    def __str__(self) -> str:
        ip = self.ip
        return str(ip) if ip.version == 4 else format_v6(int(ip))

    def __eq__(self, other) -> bool:
        return isinstance(other, Addr) and other.ip == self.ip

    # Ordered as Zeek orders them: as 16-byte IPv6 addresses, IPv4 mapped
    # into ::ffff:0:0/96 (so IPv4 and IPv6 addresses compare).
    def _key(self) -> int:
        ip = self.ip
        return int(ip) | V4_MAPPED if ip.version == 4 else int(ip)

    def __hash__(self) -> int:
        return hash(self.ip)


def addr_bits(a: Addr) -> int:
    """The 128-bit value of ``a`` (IPv4 as IPv4-mapped)."""
    ip = a.ip
    return V4_MAPPED | int(ip) if ip.version == 4 else int(ip)


def addr_from_bits(n: int) -> Addr:
    if n >> 32 == 0xFFFF:
        return Addr(ipaddress.IPv4Address(n & 0xFFFFFFFF))
    return Addr(ipaddress.IPv6Address(n))


def addr_words(a: Addr) -> list[int]:
    """The 32-bit words of ``a``: one for IPv4, four for IPv6 (``addr_to_counts``)."""
    n = addr_bits(a)
    if a.ip.version == 4:
        return [n & 0xFFFFFFFF]
    return [(n >> shift) & 0xFFFFFFFF for shift in (96, 64, 32, 0)]


def addr_is_v4(a: Addr) -> bool:
    return a.ip.version == 4


def format_v6(n: int) -> str:
    """A 128-bit address as Zeek's ``zeek_inet_ntop`` writes an IPv6 address."""
    words = [(n >> (112 - 16 * i)) & 0xFFFF for i in range(8)]
    best_base, best_len = -1, 0
    i = 0
    while i < 8:
        if words[i] == 0:
            j = i
            while j < 8 and words[j] == 0:
                j += 1
            if j - i > best_len:
                best_base, best_len = i, j - i
            i = j
        else:
            i += 1
    if best_len < 2:
        best_base, best_len = -1, 0
    embedded_v4 = best_base == 0 and (
        best_len == 6
        or (best_len == 7 and words[7] != 1)
        or (best_len == 5 and words[5] == 0xFFFF)
        or (best_len == 4 and words[4] == 0xFFFF and words[5] == 0)
    )
    out: list[str] = []
    i = 0
    while i < 8:
        if best_base <= i < best_base + best_len:
            if i == best_base:
                out.append(":")
            i += 1
            continue
        if i:
            out.append(":")
        if i == 6 and embedded_v4:
            out.append(str(ipaddress.IPv4Address(n & 0xFFFFFFFF)))
            break
        out.append(format(words[i], "x"))
        i += 1
    if best_len and best_base + best_len == 8:
        out.append(":")
    return "".join(out)


_V4_TEXT = re.compile(r"\s*[+-]?\d+\.\s*[+-]?\d+\.\s*[+-]?\d+\.\s*[+-]?\d+")


def parse_addr(s: str) -> Addr | None:
    """Zeek's address syntax: IPv6 when the text has a colon, else a dotted quad.

    The dotted quad is read with ``sscanf("%d.%d.%d.%d")``, so it accepts
    leading zeros (``010.1.1.1`` is 10.1.1.1) and white space before a number.
    """
    if ":" in s:
        try:
            ip = ipaddress.IPv6Address(s)
        except ValueError:
            return None
        return addr_from_bits(int(ip)) if ip.scope_id is None else None
    if _V4_TEXT.fullmatch(s) is None:
        return None
    parts = [int(x) for x in s.split(".")]
    if any(not 0 <= x <= 255 for x in parts):
        return None
    return Addr(ipaddress.IPv4Address(bytes(parts)))


def make_addr(text: str) -> Addr:
    """The address of a literal (the lexer has checked its syntax)."""
    a = parse_addr(text)
    if a is None:
        raise ValueError(f"bad address {text!r}")
    return a


# ------------------------------------------------------------------ subnets


class Subnet:
    __slots__ = ("net",)

    def __init__(self, net):
        self.net = net

    def __str__(self) -> str:
        net = self.net
        if net.version == 4:
            return str(net)
        return f"{format_v6(int(net.network_address))}/{net.prefixlen}"

    def __contains__(self, a) -> bool:
        return isinstance(a, Addr) and a.ip.version == self.net.version and a.ip in self.net

    def __eq__(self, other) -> bool:
        return isinstance(other, Subnet) and other.net == self.net

    def __hash__(self) -> int:
        return hash(self.net)


def mask_bits(length: int) -> int:
    """The 128-bit mask keeping the top ``length`` bits."""
    return _ALL ^ (_ALL >> length)


def subnet_from_bits(n: int, length: int) -> Subnet:
    """The subnet of 128-bit prefix ``n`` and 128-relative ``length`` (masked)."""
    n &= mask_bits(length)
    if length >= 96 and n >> 32 == 0xFFFF:
        return Subnet(ipaddress.IPv4Network((n & 0xFFFFFFFF, length - 96)))
    return Subnet(ipaddress.IPv6Network((n, length)))


def subnet_bits(sn: Subnet) -> tuple[int, int]:
    """(128-bit prefix, 128-relative length) of ``sn``."""
    net = sn.net
    if net.version == 4:
        return V4_MAPPED | int(net.network_address), net.prefixlen + 96
    return int(net.network_address), net.prefixlen


def subnet_contains(outer: Subnet, inner: Subnet) -> bool:
    """Whether every address of ``inner`` lies in ``outer``."""
    op, ol = subnet_bits(outer)
    ip, il = subnet_bits(inner)
    return ol <= il and ip & mask_bits(ol) == op


def parse_subnet(s: str) -> Subnet | None:
    """Zeek's ``a.b.c.d/n`` or ``v6/n``; the length is relative to 128 if the text has a colon."""
    ip_text, slash, len_text = s.partition("/")
    if not slash:
        return None
    a = parse_addr(ip_text)
    if a is None:
        return None
    m = _LEADING_INT.match(len_text)
    length = (int(m.group(1)) if m else 0) & 0xFF
    v6_relative = ":" in s
    if addr_is_v4(a) and not v6_relative:
        if length > 32:
            return None
        length += 96
    elif length > 128:
        return None
    return subnet_from_bits(addr_bits(a), length)


def make_subnet(text: str) -> Subnet:
    """The subnet of a literal (``1.2.3.0/24`` or ``[v6]/n`` without brackets)."""
    sn = parse_subnet(text.replace(" ", "").replace("\t", ""))
    if sn is None:
        raise ValueError(f"bad subnet {text!r}")
    return sn
