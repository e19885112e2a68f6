"""Probabilistic data structures: HyperLogLog cardinality counters.

``opaque of cardinality`` is Zeek's ``CardinalityCounter``
(src/probabilistic/CardinalityCounter.cc, after Flajolet et al.): ``m``
one-byte buckets, ``m`` the power of two that reaches the requested error
at the requested confidence (0.01 at 0.95 gives 2**16).  An element's
64-bit hash picks a bucket (``hash % m``) and the bucket keeps the largest
rank seen (the position of the first one bit above the bucket bits).  The
estimate is the raw HyperLogLog value, replaced by linear counting
(``m * ln(m / empty buckets)``) while it is below ``5m/2`` and corrected
near 2**64; so small sets come out as Zeek's (13 elements estimate as
13.00129 with 2**16 buckets).

Elements are hashed with BLAKE2b over Zeek's binary description of the
value, so large estimates are close to Zeek's but not bit-identical (Zeek
hashes with its seeded keyed hash).  A counter takes the type of the first
element added; elements of another type are refused with Zeek's error.

Provides: hll_cardinality_init, hll_cardinality_add,
hll_cardinality_merge_into, hll_cardinality_estimate, hll_cardinality_copy.
"""

from __future__ import annotations

import hashlib
import math

from ...types import OpaqueType, Type, same_type
from ..addresses import Addr, addr_bits
from ..bifs import bif
from ..values import type_of
from ._support import reporter_error
from .hashing import binary_describe

__all__ = []

_CARDINALITY = OpaqueType("cardinality")


def _optimal_bits(error: float, confidence: float) -> int:
    """The number of bucket bits for ``error`` at ``confidence`` (``OptimalB``)."""
    initial = 2 * (math.log(1.04) - math.log(error)) / math.log(2)
    bits = math.floor(initial)
    while True:
        bits += 1
        k = 2 ** ((bits - initial) / 2)
        if math.erf(k / math.sqrt(2)) >= confidence:
            return bits


class CardinalityCounter:
    """A HyperLogLog counter (``opaque of cardinality``)."""

    __slots__ = ("alpha", "buckets", "elem_type", "empty", "m", "p")

    ztype = _CARDINALITY

    def __init__(self, m: int):
        self.m = m
        self.p = m.bit_length() - 1
        if m == 16:
            self.alpha = 0.673
        elif m == 32:
            self.alpha = 0.697
        elif m == 64:
            self.alpha = 0.709
        else:
            self.alpha = 0.7213 / (1 + 1.079 / m)
        self.buckets = bytearray(m)
        self.empty = m
        self.elem_type: Type | None = None

    def add_hash(self, h: int) -> None:
        index = h % self.m
        h -= index
        if self.buckets[index] == 0:
            self.empty -= 1
        rest = h >> self.p
        rank = 64 - self.p - rest.bit_length() + 1
        if rank > self.buckets[index]:
            self.buckets[index] = rank

    def size(self) -> float:
        m = self.m
        raw = self.alpha * m * m / sum(2.0**-b for b in self.buckets)
        if raw <= 5.0 * (m / 2.0):
            return m * math.log(m / self.empty)
        if raw <= 2.0**64 / 30:
            return raw
        return -(2.0**64) * math.log(1 - raw / 2.0**64)

    def merge(self, other: CardinalityCounter) -> bool:
        if other.m != self.m:
            return False
        buckets = self.buckets
        for i, b in enumerate(other.buckets):
            if b > buckets[i]:
                buckets[i] = b
        self.empty = buckets.count(0)
        return True

    def copy(self) -> CardinalityCounter:
        c = CardinalityCounter.__new__(CardinalityCounter)
        c.m, c.p, c.alpha = self.m, self.p, self.alpha
        c.buckets = bytearray(self.buckets)
        c.empty = self.empty
        c.elem_type = self.elem_type
        return c

    def __deepcopy__(self, memo):
        return self.copy()

    def __str__(self) -> str:
        return "cardinality"


def _key(v) -> bytes:
    """The bytes an element is hashed by; cheap forms for the common types."""
    tv = type(v)
    if tv is str:
        return v.encode("latin-1")
    if tv is Addr:
        return addr_bits(v).to_bytes(16, "big")
    return binary_describe(v)


def _hash64(v) -> int:
    return int.from_bytes(hashlib.blake2b(_key(v), digest_size=8).digest(), "little")


@bif("hll_cardinality_init", "function(err: double, confidence: double): opaque of cardinality")
def hll_cardinality_init(err, confidence):
    return CardinalityCounter(2 ** _optimal_bits(err, confidence))


@bif(
    "hll_cardinality_add", "function(handle: opaque of cardinality, elem: any): bool", context=True
)
def hll_cardinality_add(ctx, handle, elem):
    t = type_of(elem)
    if handle.elem_type is None:
        handle.elem_type = t
    elif not same_type(handle.elem_type, t):
        reporter_error(ctx, "incompatible HLL data type")
        return False
    handle.add_hash(_hash64(elem))
    return True


@bif(
    "hll_cardinality_merge_into",
    "function(handle1: opaque of cardinality, handle2: opaque of cardinality): bool",
    context=True,
)
def hll_cardinality_merge_into(ctx, handle1, handle2):
    t1, t2 = handle1.elem_type, handle2.elem_type
    if t1 is not None and t2 is not None and not same_type(t1, t2):
        reporter_error(ctx, "incompatible HLL types")
        return False
    if not handle1.merge(handle2):
        reporter_error(ctx, "Cardinality counters with different parameters cannot be merged")
        return False
    if t1 is None:
        handle1.elem_type = t2
    return True


@bif("hll_cardinality_estimate", "function(handle: opaque of cardinality): double")
def hll_cardinality_estimate(handle):
    return handle.size()


@bif(
    "hll_cardinality_copy",
    "function(handle: opaque of cardinality): opaque of cardinality",
)
def hll_cardinality_copy(handle):
    return handle.copy()
