"""IPv4 address anonymization: ``anonymize_addr``, ``preserve_prefix`` and
``preserve_subnet`` (Zeek's ``src/Anon.cc``).

Which method anonymizes an address depends on its class (``ORIG_ADDR``,
``RESP_ADDR``, ``OTHER_ADDR``) and the script's global
``orig_addr_anonymization``, ``resp_addr_anonymization`` or
``other_addr_anonymization`` (an ``IPAddrAnonymization``; missing means
``KEEP_ORIG_ADDR``).  Addresses listed in the global ``preserve_orig_addr``,
``preserve_resp_addr`` or ``preserve_other_addr`` set stay as they are.
Each method keeps one instance per process, so the same input always maps to
the same output:

* ``SEQUENTIALLY_NUMBERED``: 0.0.0.1, 0.0.0.2, ... in order of first use;
* ``RANDOM_MD5`` / ``RANDOM_SHA256``: the keyed digest of the address;
* ``PREFIX_PRESERVING_MD5`` / ``_SHA256``: Xu et al.'s prefix-preserving
  scheme, bit *i* flipped by the keyed digest of the first *i* bits;
* ``PREFIX_PRESERVING_A50``: tcpdpriv's ``-A50``: a binary tree of the
  addresses seen, each new one sharing its longest common prefix with its
  neighbour's output and random bits after it (``preserve_prefix`` fixes a
  prefix before the first anonymization).

Only IPv4 is supported: an IPv6 address is reported (and returned as it is).
Random bits come from :mod:`..zeekrandom` and digests are keyed with the
process's seed, so with Zeek's seed file the outputs equal Zeek's.  The
digest bytes are read as Zeek reads them on a little-endian machine.

Provides: anonymize_addr, preserve_prefix, preserve_subnet.
"""

from __future__ import annotations

import ipaddress
import struct

from .. import zeekrandom
from ..addresses import Addr, addr_is_v4
from ..bifs import bif
from ._support import builtin_error, located_error
from .hashing import keyed_digest

__all__ = []

_M32 = 0xFFFFFFFF
#: IPAddrAnonymization's enumerators, in order (``init-bare``).
_METHODS = (
    "KEEP_ORIG_ADDR",
    "SEQUENTIALLY_NUMBERED",
    "PREFIX_PRESERVING_A50",
    "RANDOM_MD5",
    "PREFIX_PRESERVING_MD5",
    "RANDOM_SHA256",
    "PREFIX_PRESERVING_SHA256",
)
_CLASSES = {"ORIG_ADDR": "orig", "RESP_ADDR": "resp", "OTHER_ADDR": "other"}


def _first_bit(value: int) -> int:
    """1-based position (from the top) of the highest set bit of a 32-bit
    value, 0 for 0 (``bi_ffs``)."""
    return 33 - value.bit_length() if value else 0


class _Anonymizer:
    """One method; remembers every mapping it made (``AnonymizeIPAddr``)."""

    def __init__(self):
        self.mapping: dict[int, int] = {}

    def anonymize(self, a: int) -> int:
        out = self.mapping.get(a)
        if out is None:
            out = self.mapping[a] = self._do_anonymize(a)
        return out

    def preserve_prefix(self, a: int, bits: int) -> None:
        raise NotImplementedError

    def _do_anonymize(self, a: int) -> int:  # pragma: no cover - interface
        raise NotImplementedError


class _Sequential(_Anonymizer):
    def __init__(self):
        super().__init__()
        self.seq = 1

    def _do_anonymize(self, a: int) -> int:
        self.seq += 1
        return self.seq & _M32


class _RandomDigest(_Anonymizer):
    def __init__(self, algorithm: str):
        super().__init__()
        self.algorithm = algorithm

    def _do_anonymize(self, a: int) -> int:
        digest = keyed_digest(self.algorithm, a.to_bytes(4, "big"))
        # Zeek builds a number from the first four bytes and stores it as
        # an address in memory order.
        return int.from_bytes(digest[:4], "little")


class _PrefixDigest(_Anonymizer):
    def __init__(self, algorithm: str):
        super().__init__()
        self.algorithm = algorithm

    def _do_anonymize(self, a: int) -> int:
        out = a
        for i in range(32):
            prefix = (a & ~(_M32 >> i) & _M32) | (1 << (31 - i))
            digest = keyed_digest(self.algorithm, struct.pack(">II", i + 1, prefix))
            out ^= (digest[0] & 1) << (31 - i)
        return out


class _Node:
    __slots__ = ("input", "output", "child")

    def __init__(self, input_: int, output: int):
        self.input = input_
        self.output = output
        self.child: list[_Node] | None = None


class _A50(_Anonymizer):
    def __init__(self):
        super().__init__()
        self.root: _Node | None = None
        self.started = False
        self.special = {0: _Node(0, 0), _M32: _Node(_M32, _M32)}

    def preserve_prefix(self, a: int, bits: int) -> None:
        if self.started:
            raise ValueError("prefix preservation specified after anonymization begun")
        a &= ~(_M32 >> bits) & _M32
        node = self._find(a)
        if bits == 32:
            node.output = a
        elif bits > 0:
            suffix = _M32 >> bits
            node.output = (a & ~suffix & _M32) | (zeekrandom.random_u32() & suffix)

    def _do_anonymize(self, a: int) -> int:
        self.started = True
        return self._find(a).output

    def anonymize(self, a: int) -> int:
        # Zeek's mapping cache sits in front; the tree itself also returns
        # the same node for the same address.
        self.started = True
        return super().anonymize(a)

    def _output(self, old: int, swivel: int) -> int:
        if swivel == 32:
            return old ^ 1
        known = ((old >> (32 - swivel)) ^ 1) << (32 - swivel)
        return (known | ((zeekrandom.random_u32() & 0x7FFFFFFF) >> swivel)) & _M32

    def _make_peer(self, a: int, n: _Node) -> _Node:
        swivel = _first_bit(a ^ n.input)
        bit = (a >> (32 - swivel)) & 1
        new = _Node(a, self._output(n.output, swivel))
        old = _Node(n.input, n.output)
        old.child = n.child
        down = [new, old] if bit == 0 else [old, new]
        n.input, n.output = down[1].input, down[1].output
        n.child = down
        return new

    def _find(self, a: int) -> _Node:
        special = self.special.get(a)
        if special is not None:
            return special
        if self.root is None:
            self.root = _Node(a, zeekrandom.random_u32())
            return self.root
        n = self.root
        while True:
            if n.input == a:
                return n
            if n.child is None:
                n = self._make_peer(a, n)
                continue
            swivel = _first_bit(n.child[0].input ^ n.child[1].input)
            if _first_bit(a ^ n.input) < swivel:
                n = self._make_peer(a, n)
            else:
                n = n.child[(a >> (32 - swivel)) & 1]


_INSTANCES: dict[str, _Anonymizer] = {}


def _instance(method: str) -> _Anonymizer:
    inst = _INSTANCES.get(method)
    if inst is None:
        if method == "SEQUENTIALLY_NUMBERED":
            inst = _Sequential()
        elif method == "PREFIX_PRESERVING_A50":
            inst = _A50()
        else:
            kind, _, alg = method.rpartition("_")
            cls = _RandomDigest if kind == "RANDOM" else _PrefixDigest
            inst = cls(alg.lower())
        _INSTANCES[method] = inst
    return inst


def _v4(a: Addr) -> int:
    return int(a.ip)


def _global(ctx, name: str):
    sid = ctx.script_id(name)
    if sid is None or not sid.has_value:
        return None
    return sid.value()


def _preserve(ctx, bits: int, width: int) -> None:
    try:
        _instance("PREFIX_PRESERVING_A50").preserve_prefix(bits, width)
    except ValueError as e:
        located_error(ctx, str(e))


@bif("preserve_prefix", "function(a: addr, width: count): any", context=True)
def preserve_prefix(ctx, a, width):
    if not addr_is_v4(a):
        builtin_error(ctx, "preserve_prefix() not supported for IPv6 addresses")
        return None
    _preserve(ctx, _v4(a), min(width, 32))
    return None


@bif("preserve_subnet", "function(a: subnet): any", context=True)
def preserve_subnet(ctx, a):
    if a.net.version != 4:
        builtin_error(ctx, "preserve_subnet() not supported for IPv6 addresses")
        return None
    _preserve(ctx, int(a.net.network_address), a.net.prefixlen)
    return None


@bif("anonymize_addr", "function(a: addr, cl: IPAddrAnonymizationClass): addr", context=True)
def anonymize_addr(ctx, a, cl):
    if not addr_is_v4(a):
        # Zeek reports it and yields no value; here the address comes back as it is.
        builtin_error(ctx, "anonymize_addr() not supported for IPv6 addresses")
        return a
    which = _CLASSES.get(cl.name, "other")
    bits = _v4(a)
    keep = _global(ctx, f"preserve_{which}_addr")
    if keep is not None and a in keep:
        return a
    method = _global(ctx, f"{which}_addr_anonymization")
    name = method.name if method is not None else "KEEP_ORIG_ADDR"
    if name not in _METHODS or name == "KEEP_ORIG_ADDR":
        return a
    return Addr(ipaddress.IPv4Address(_instance(name).anonymize(bits)))
