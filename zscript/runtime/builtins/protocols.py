"""Protocol helper built-ins that need no packet engine (FTP and NetBIOS text formats).

Provides: fmt_ftp_port, parse_ftp_port, parse_eftp_port, parse_ftp_pasv,
parse_ftp_epsv, decode_netbios_name, decode_netbios_name_type,
community_id_v1.
"""

from __future__ import annotations

import base64
import hashlib
import re

from ..addresses import Port, addr_bits, addr_from_bits, parse_addr
from ..bifs import bif
from ..values import record_class
from ._support import builtin_error, script_type

__all__ = []

_V4_MAPPED = 0xFFFF << 32


# ------------------------------------------------------------ FTP


def _ftp_port(ctx, addr, port: int, valid: bool):
    rt = script_type(ctx, "ftp_port")
    return record_class(rt)._zmake({"f_h": addr, "f_p": Port(port, "tcp"), "f_valid": valid})


_C_INT = r"[ \t\n\v\f\r]*[+-]?\d+"
_PORT_SIX = re.compile(",".join([f"({_C_INT})"] * 6))


def _parse_port(ctx, line: str):
    """``h1,h2,h3,h4,p1,p2`` (RFC 959 PORT argument); trailing text is ignored."""
    m = _PORT_SIX.match(line) if len(line) >= 11 else None
    nums = [int(x) for x in m.groups()] if m else []
    good = len(nums) == 6 and all(0 <= b <= 255 for b in nums)
    if not good:
        return _ftp_port(ctx, addr_from_bits(_V4_MAPPED), 0, False)
    addr = addr_from_bits(_V4_MAPPED | int.from_bytes(bytes(nums[:4]), "big"))
    return _ftp_port(ctx, addr, nums[4] << 8 | nums[5], True)


_LEADING_INT = re.compile(_C_INT)


def _parse_eftp(ctx, line: str | None):
    """``|proto|addr|port|`` (RFC 2428 EPRT/EPSV argument), any delimiter character."""
    addr = addr_from_bits(0)
    port = 0
    good = False
    line = (line or "").lstrip(" \t\n\v\f\r")
    if line:
        delim = line[0]
        good = True
        pos = 1
        m = _LEADING_INT.match(line, pos)
        end = m.end() if m else pos
        if line[end : end + 1] != delim:
            good = False
        pos = end + 1 if end < len(line) else end
        if pos < len(line) and line[pos] != delim:
            stop = line.find(delim, pos)
            parsed = parse_addr(line[pos : stop if stop >= 0 else len(line)])
            good = parsed is not None
            if parsed is not None:
                addr = parsed
        stop = line.find(delim, pos)
        if stop >= 0:
            m = _LEADING_INT.match(line, stop + 1)
            port = int(m.group(0)) if m else 0
            if line[m.end() if m else stop + 1 :][:1] != delim:
                good = False
            if not 0 <= port <= 65535:
                port, good = 0, False
    return _ftp_port(ctx, addr, port, good)


@bif("parse_ftp_port", "function(s: string): ftp_port", context=True)
def parse_ftp_port(ctx, s):
    return _parse_port(ctx, s)


@bif("parse_eftp_port", "function(s: string): ftp_port", context=True)
def parse_eftp_port(ctx, s):
    return _parse_eftp(ctx, s)


@bif("parse_ftp_pasv", "function(str: string): ftp_port", context=True)
def parse_ftp_pasv(ctx, s):
    """The address in a 227 reply: after ``(``, after ``PORT``, or the digits before the first comma."""
    if "(" in s:
        return _parse_port(ctx, s[s.index("(") + 1 :])
    if "PORT" in s:
        return _parse_port(ctx, s[s.index("PORT") + 5 :])
    if "," in s:
        start = s.index(",")
        while start > 0 and s[start - 1].isdigit():
            start -= 1
        return _parse_port(ctx, s[start:])
    return _parse_port(ctx, "")


@bif("parse_ftp_epsv", "function(str: string): ftp_port", context=True)
def parse_ftp_epsv(ctx, s):
    return _parse_eftp(ctx, s[s.index("(") + 1 :] if "(" in s else None)


@bif("fmt_ftp_port", "function(a: addr, p: port): string", context=True)
def fmt_ftp_port(ctx, a, p):
    n = addr_bits(a)
    if n >> 32 != 0xFFFF:
        builtin_error(ctx, "conversion of non-IPv4 address in fmt_ftp_port", a)
        return ""
    octets = (n & 0xFFFFFFFF).to_bytes(4, "big")
    return ",".join(str(x) for x in (*octets, p.num >> 8, p.num & 0xFF))


# ------------------------------------------------------------ NetBIOS


def _nibble_pairs(name: str) -> list[int] | None:
    """The bytes of a first-level-encoded NetBIOS name (``A``-``P`` nibbles), or None."""
    up = name.translate(_ASCII_UPPER)
    if any(not "A" <= c <= "P" for c in up):
        return None
    return [(ord(up[i]) - 65) << 4 | (ord(up[i + 1]) - 65) for i in range(0, len(up) - 1, 2)]


_ASCII_UPPER = str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def _printable_name_byte(b: int) -> bool:
    return 0x21 <= b <= 0x7E or b == 0x20 or b < 3


@bif("decode_netbios_name", "function(name: string): string")
def decode_netbios_name(name):
    """Decode a 32-character NetBIOS name; the 16th byte (the type) and trailing blanks are dropped."""
    if len(name) != 32:
        return ""
    out: list[int] = []
    for i in range(16):
        pair = _nibble_pairs(name[2 * i : 2 * i + 2])
        if pair is None:
            return ""
        if not _printable_name_byte(pair[0]):
            break
        out.append(pair[0])
    del out[15:]
    while out and out[-1] in (0x20, 0):
        out.pop()
    return "".join(chr(b) for b in out)


@bif("decode_netbios_name_type", "function(name: string): count")
def decode_netbios_name_type(name):
    if len(name) != 32:
        return 256
    decoded = _nibble_pairs(name)
    return 256 if decoded is None else decoded[15]


# ------------------------------------------------------------ Community ID

_IPPROTO = {"tcp": 6, "udp": 17}
_IPPROTO_ICMP, _IPPROTO_ICMPV6, _IPPROTO_SCTP = 1, 58, 132
_UNKNOWN_IP_PROTO = 65535
#: ICMP types that have a counterpart (request/reply); the others are one-way.
_ICMP4_TWO_WAY = {0, 8, 9, 10, 13, 14, 15, 16, 17, 18}
_ICMP6_TWO_WAY = {128, 129, 130, 131, 133, 134, 135, 136, 139, 140, 144, 145}


def _addr_bytes(bits: int, width: int) -> bytes:
    """The last ``width`` bytes of a 128-bit address (4 for IPv4)."""
    return (bits & ((1 << 8 * width) - 1)).to_bytes(width, "big")


def _swap16(p: int) -> int:
    """A port in network byte order read as a host (little-endian) number, as Zeek compares them."""
    return ((p & 0xFF) << 8) | (p >> 8 & 0xFF)


@bif(
    "community_id_v1",
    "function(cid: conn_id, seed: count &default=0, do_base64: bool &default=T): string",
    context=True,
)
def community_id_v1(ctx, cid, seed=0, do_base64=True):
    """The Community ID flow hash (version 1) of a connection's endpoints."""
    src, dst = addr_bits(cid.f_orig_h), addr_bits(cid.f_resp_h)
    sport, dport = cid.f_orig_p.num & 0xFFFF, cid.f_resp_p.num & 0xFFFF
    is_v4 = src >> 32 == 0xFFFF
    proto_name = cid.f_orig_p.proto
    has_ports = True
    one_way = False
    if proto_name in _IPPROTO:
        proto = _IPPROTO[proto_name]
    elif proto_name == "icmp":
        proto = _IPPROTO_ICMP if is_v4 else _IPPROTO_ICMPV6
        one_way = sport not in (_ICMP4_TWO_WAY if is_v4 else _ICMP6_TWO_WAY)
    else:
        proto = cid.f_proto
        if proto == _UNKNOWN_IP_PROTO:
            builtin_error(ctx, "CommunityID: unknown transport layer", cid)
            return ""
        proto &= 0xFF
        has_ports = proto == _IPPROTO_SCTP
    if not (one_way or src < dst or (src == dst and _swap16(sport) < _swap16(dport))):
        src, dst, sport, dport = dst, src, dport, sport
    width = 4 if is_v4 else 16
    data = (seed & 0xFFFF).to_bytes(2, "big") + _addr_bytes(src, width) + _addr_bytes(dst, width)
    data += bytes([proto, 0])
    if has_ports:
        data += sport.to_bytes(2, "big") + dport.to_bytes(2, "big")
    digest = hashlib.sha1(data).digest()
    return "1:" + (base64.b64encode(digest).decode("ascii") if do_base64 else digest.hex())
