"""Built-in functions on addresses, subnets and ports.

They compute in Zeek's 128-bit model of addresses and subnets (see
:mod:`zscript.runtime.addresses`), so masks and conversions behave as in
Zeek: ``to_subnet("::ffff:0:0/96")`` is ``0.0.0.0/0`` and ``remask_addr``
counts bits from the top of 128.

Provides: is_v4_addr, is_v6_addr, is_v4_subnet, is_v6_subnet,
addr_to_counts, counts_to_addr, count_to_v4_addr, raw_bytes_to_v4_addr,
raw_bytes_to_v6_addr, to_addr, is_valid_ip, to_subnet, is_valid_subnet,
addr_to_subnet, subnet_to_addr, subnet_width, mask_addr, remask_addr,
ptr_name_to_addr, addr_to_ptr_name, to_port, port_to_count, count_to_port,
is_tcp_port, is_udp_port, is_icmp_port, get_port_transport_proto,
check_subnet, matching_subnets, filter_subnet_table.
"""

from __future__ import annotations

import re

from ...types import COUNT, SUBNET, VectorType
from .. import zeekorder
from ..addresses import (
    V4_MAPPED,
    Port,
    Subnet,
    addr_bits,
    addr_from_bits,
    addr_is_v4,
    addr_words,
    mask_bits,
    parse_addr,
    parse_subnet,
    subnet_bits,
    subnet_from_bits,
)
from ..bifs import bif
from ..containers import Set, Table, Vector
from ._support import builtin_error, enum_value

__all__ = []

_V4_MAPPED = V4_MAPPED
_INDEX_VEC = VectorType(COUNT)
_SUBNET_VEC = VectorType(SUBNET)
_is_v4 = addr_is_v4
_mask = mask_bits


# ------------------------------------------------------------ addresses


@bif("is_v4_addr", "function(a: addr): bool")
def is_v4_addr(a):
    return _is_v4(a)


@bif("is_v6_addr", "function(a: addr): bool")
def is_v6_addr(a):
    return not _is_v4(a)


@bif("is_v4_subnet", "function(s: subnet): bool")
def is_v4_subnet(s):
    return s.net.version == 4


@bif("is_v6_subnet", "function(s: subnet): bool")
def is_v6_subnet(s):
    return s.net.version == 6


@bif("addr_to_counts", "function(a: addr): index_vec")
def addr_to_counts(a):
    return Vector(_INDEX_VEC, addr_words(a))


@bif("counts_to_addr", "function(v: index_vec): addr", context=True)
def counts_to_addr(ctx, v):
    words = [(x or 0) & 0xFFFFFFFF for x in v]
    if len(words) == 1:
        return addr_from_bits(_V4_MAPPED | words[0])
    if len(words) == 4:
        return addr_from_bits(int.from_bytes(b"".join(w.to_bytes(4, "big") for w in words), "big"))
    builtin_error(ctx, "invalid vector size", v)
    return addr_from_bits(0)


@bif("count_to_v4_addr", "function(ip: count): addr", context=True)
def count_to_v4_addr(ctx, ip):
    if ip > 0xFFFFFFFF:
        builtin_error(ctx, "conversion of non-IPv4 count to addr", str(ip))
        ip = 0
    return addr_from_bits(_V4_MAPPED | ip)


def _raw_bytes(s: str, n: int) -> int | None:
    return int.from_bytes(s[:n].encode("latin-1"), "big") if len(s) >= n else None


@bif("raw_bytes_to_v4_addr", "function(b: string): addr", context=True)
def raw_bytes_to_v4_addr(ctx, b):
    n = _raw_bytes(b, 4)
    if n is None:
        builtin_error(ctx, "too short a string as input to raw_bytes_to_v4_addr()")
        n = 0
    return addr_from_bits(_V4_MAPPED | n)


@bif("raw_bytes_to_v6_addr", "function(x: string): addr", context=True)
def raw_bytes_to_v6_addr(ctx, x):
    n = _raw_bytes(x, 16)
    if n is None:
        builtin_error(ctx, "too short a string as input to raw_bytes_to_v6_addr()")
        n = 0
    return addr_from_bits(n)


@bif("to_addr", "function(ip: string): addr", context=True)
def to_addr(ctx, ip):
    a = parse_addr(ip)
    if a is None:
        builtin_error(ctx, "failed converting string to IP address", ip)
        return addr_from_bits(0)
    return a


@bif("is_valid_ip", "function(ip: string): bool")
def is_valid_ip(ip):
    return parse_addr(ip) is not None


@bif("to_subnet", "function(sn: string): subnet", context=True)
def to_subnet(ctx, sn):
    s = parse_subnet(sn)
    if s is None:
        builtin_error(ctx, "failed converting string to IP prefix", sn)
        return subnet_from_bits(0, 0)
    return s


@bif("is_valid_subnet", "function(cidr: string): bool")
def is_valid_subnet(cidr):
    return parse_subnet(cidr) is not None


@bif("addr_to_subnet", "function(a: addr): subnet")
def addr_to_subnet(a):
    return subnet_from_bits(addr_bits(a), 128)


@bif("subnet_to_addr", "function(sn: subnet): addr")
def subnet_to_addr(sn):
    return addr_from_bits(subnet_bits(sn)[0])


@bif("subnet_width", "function(sn: subnet): count")
def subnet_width(sn):
    return sn.net.prefixlen


@bif("mask_addr", "function(a: addr, top_bits_to_keep: count): subnet", context=True)
def mask_addr(ctx, a, top_bits_to_keep):
    length = top_bits_to_keep & 0xFF
    v4 = _is_v4(a)
    if length > (32 if v4 else 128):
        builtin_error(ctx, f"Bad IPAddr({'v4' if v4 else 'v6'}) IPPrefix length : {length}")
        return subnet_from_bits(addr_bits(a), 0)
    return subnet_from_bits(addr_bits(a), length + 96 if v4 else length)


@bif("remask_addr", "function(a1: addr, a2: addr, top_bits_from_a1: count): addr")
def remask_addr(a1, a2, top_bits_from_a1):
    mask = _mask(min(top_bits_from_a1, 128))
    return addr_from_bits((addr_bits(a1) & mask) | (addr_bits(a2) & ~mask & mask_bits(128)))


_PTR_V4 = re.compile(r"\s*([+-]?\d+)\.\s*([+-]?\d+)\.\s*([+-]?\d+)\.\s*([+-]?\d+)\.in-addr\.arpa")
_PTR_V6 = re.compile(r"(?:[0-9a-fA-F]\.){32}ip6\.arpa")


@bif("ptr_name_to_addr", "function(s: string): addr", context=True)
def ptr_name_to_addr(ctx, s):
    if len(s) == 72:
        if _PTR_V6.fullmatch(s) is None:
            builtin_error(ctx, "bad PTR name", s)
            return addr_from_bits(0)
        return addr_from_bits(int("".join(reversed(s[:64:2])), 16))
    m = _PTR_V4.match(s)
    if m is None:
        builtin_error(ctx, "bad PTR name", s)
        return addr_from_bits(_V4_MAPPED)
    octets = [int(x) & 0xFF for x in reversed(m.groups())]
    return addr_from_bits(_V4_MAPPED | int.from_bytes(bytes(octets), "big"))


@bif("addr_to_ptr_name", "function(a: addr): string")
def addr_to_ptr_name(a):
    n = addr_bits(a)
    if _is_v4(a):
        return (
            ".".join(str(b) for b in reversed((n & 0xFFFFFFFF).to_bytes(4, "big")))
            + ".in-addr.arpa"
        )
    return ".".join(reversed(format(n, "032x"))) + ".ip6.arpa"


# ------------------------------------------------------------ ports

_PORT_TEXT = re.compile(r"\s*([+-]?\d+)/(tcp|udp|icmp)")


@bif("to_port", "function(s: string): port", context=True)
def to_port(ctx, s):
    m = _PORT_TEXT.fullmatch(s) if 0 < len(s) < 10 else None
    if m is None:
        builtin_error(ctx, "wrong port format, must be /[0-9]{1,5}\\/(tcp|udp|icmp)/")
        return Port(0, "unknown")
    return Port(int(m.group(1)) & 0xFFFF, m.group(2))


@bif("port_to_count", "function(p: port): count")
def port_to_count(p):
    return p.num


_PROTO_NAMES = {"tcp": "tcp", "udp": "udp", "icmp": "icmp"}


@bif("count_to_port", "function(num: count, proto: transport_proto): port")
def count_to_port(num, proto):
    return Port(num & 0xFFFF, _PROTO_NAMES.get(proto.name, "unknown"))


@bif("is_tcp_port", "function(p: port): bool")
def is_tcp_port(p):
    return p.proto == "tcp"


@bif("is_udp_port", "function(p: port): bool")
def is_udp_port(p):
    return p.proto == "udp"


@bif("is_icmp_port", "function(p: port): bool")
def is_icmp_port(p):
    return p.proto == "icmp"


@bif("get_port_transport_proto", "function(p: port): transport_proto", context=True)
def get_port_transport_proto(ctx, p):
    return enum_value(ctx, "transport_proto", _PROTO_NAMES.get(p.proto, "unknown_transport"))


# ------------------------------------------------------------ subnet tables


def _subnet_container(ctx, name: str, t) -> bool:
    tt = getattr(t, "ztype", None)
    ok = isinstance(t, Table | Set) and len(tt.indices) == 1 and tt.indices[0].tag == "subnet"
    if not ok:
        builtin_error(ctx, f"{name} needs to be called on a set[subnet]/table[subnet].")
    return ok


def _covering(search: Subnet, keys) -> list[Subnet]:
    """The keys containing ``search``, most specific first."""
    prefix, length = subnet_bits(search)
    found = []
    for k in keys:
        kp, kl = subnet_bits(k)
        if kl <= length and (prefix & _mask(kl)) == kp:
            found.append((kl, k))
    found.sort(key=lambda e: -e[0])
    return [k for _, k in found]


@bif("check_subnet", "function(search: subnet, t: any): bool", context=True)
def check_subnet(ctx, search, t):
    return _subnet_container(ctx, "check_subnet", t) and dict.__contains__(t, search)


@bif("matching_subnets", "function(search: subnet, t: any): subnet_vec", context=True)
def matching_subnets(ctx, search, t):
    if not _subnet_container(ctx, "matching_subnets", t):
        return Vector(_SUBNET_VEC)
    return Vector(_SUBNET_VEC, _covering(search, t))


@bif("filter_subnet_table", "function(search: subnet, t: any): any", context=True)
def filter_subnet_table(ctx, search, t):
    if not _subnet_container(ctx, "filter_subnet_table", t):
        return None
    found = _covering(search, t)
    if not zeekorder.active():
        keep = set(found)
        found = [k for k in t if k in keep]  # the table's own order
    # In Zeek's order: inserted as Zeek's prefix table finds them, most
    # specific first (TableVal::LookupSubnetValues, patricia_search_all).
    out = t.copy_empty()
    for k in found:
        dict.__setitem__(out, k, dict.__getitem__(t, k))
    return out
