"""Probabilistic data structures: HyperLogLog cardinality counters and top-k.

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

Elements are hashed as Zeek hashes them (their table key bytes under the
process's seeded SipHash), so with Zeek's seed file the estimates are
Zeek's.  A counter takes the type of the first element added; elements of
another type are refused with Zeek's error.

``opaque of topk`` is Zeek's ``TopkVal``: space-saving counters in buckets
of equal count; ``topk_get_top`` returns whole buckets, largest first, so it
may return more than asked for, as Zeek does.

Provides: hll_cardinality_init, hll_cardinality_add,
hll_cardinality_merge_into, hll_cardinality_estimate, hll_cardinality_copy,
topk_init, topk_add, topk_get_top, topk_count, topk_epsilon, topk_size,
topk_sum, topk_merge, topk_merge_prune.
"""

from __future__ import annotations

import math
import struct

from ...types import OpaqueType, Type, VectorType, same_type
from .. import zeekhash
from ..bifs import bif
from ..containers import Vector
from ..errors import NO_VALUE
from ..values import type_of, unbox
from ._support import reporter_error, reporter_warning
from .hashing import binary_describe

__all__ = ["CardinalityCounter", "TopK"]

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

    def state(self) -> bytes:
        """The registers, for sending the counter to another process."""
        return bytes(self.buckets)

    @classmethod
    def restore(cls, registers: bytes) -> CardinalityCounter:
        """The counter :meth:`state` describes (ValueError when it cannot be one)."""
        m = len(registers)
        if m < 16 or m & (m - 1) or max(registers, default=0) > 64:
            raise ValueError("not the registers of a cardinality counter")
        c = cls(m)
        c.buckets[:] = registers
        c.empty = c.buckets.count(0)
        return c

    def __str__(self) -> str:
        return "cardinality"


def _hash64(v) -> int:
    """Zeek's hash of an element: its hash key bytes (as a one-index table's
    key) under the process's keyed SipHash (:mod:`..zeekhash`)."""
    t = type_of(v)
    try:
        data = zeekhash.key_bytes([t], unbox(v))
    except (zeekhash.UnhashableIndex, AttributeError, TypeError, struct.error):
        data = binary_describe(v)
    return zeekhash.hash_bytes(data)


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


# ------------------------------------------------------------ top-k


class _Bucket:
    __slots__ = ("count", "elements")

    def __init__(self, count: int):
        self.count = count
        self.elements: list[_Element] = []


class _Element:
    __slots__ = ("bucket", "epsilon", "key", "value")

    def __init__(self, key, value, epsilon: int = 0):
        self.key = key
        self.value = value
        self.epsilon = epsilon
        self.bucket: _Bucket | None = None


class TopK:
    """Zeek's ``TopkVal`` (src/probabilistic/Topk.cc): Metwally's space-saving
    counters, ``size`` elements in buckets of equal count, smallest first."""

    __slots__ = ("buckets", "elements", "elem_type", "pruned", "size")

    ztype = OpaqueType("topk")

    def __init__(self, size: int):
        self.size = size
        self.buckets: list[_Bucket] = []
        self.elements: dict = {}
        self.elem_type: Type | None = None
        self.pruned = False

    def _increment(self, e: _Element, by: int = 1) -> None:
        cur = e.bucket
        target = cur.count + by
        i = self.buckets.index(cur) + 1
        while i < len(self.buckets) and self.buckets[i].count < target:
            i += 1
        if i < len(self.buckets) and self.buckets[i].count == target:
            nxt = self.buckets[i]
        else:
            nxt = _Bucket(target)
            self.buckets.insert(i, nxt)
        cur.elements.remove(e)
        nxt.elements.append(e)
        e.bucket = nxt
        if not cur.elements:
            self.buckets.remove(cur)

    def encountered(self, ctx, v) -> None:
        t = type_of(v)
        if not self.elements:
            self.elem_type = t
        elif not same_type(self.elem_type, t):
            reporter_error(
                ctx, "Trying to add element to topk with differing type from other elements"
            )
            return
        key = unbox(v)
        e = self.elements.get(key)
        if e is None:
            e = _Element(key, v)
            if len(self.elements) < self.size:
                if not self.buckets or self.buckets[0].count > 1:
                    self.buckets.insert(0, _Bucket(1))
                b = self.buckets[0]
                b.elements.append(e)
                e.bucket = b
                self.elements[key] = e
                return
            # Replace the oldest element of the smallest bucket.
            b = self.buckets[0]
            old = b.elements.pop(0)
            del self.elements[old.key]
            e.epsilon = b.count
            b.elements.append(e)
            e.bucket = b
            self.elements[key] = e
        self._increment(e)

    def merge(self, ctx, other: TopK, prune: bool) -> None:
        if other.elem_type is None:
            return
        if self.elem_type is None:
            self.elem_type = other.elem_type
        elif not same_type(self.elem_type, other.elem_type):
            reporter_error(ctx, "Cannot merge top-k elements of differing types.")
            return
        for ob in list(other.buckets):
            for oe in list(ob.elements):
                e = self.elements.get(oe.key)
                if e is None:
                    e = _Element(oe.key, oe.value)
                    b = _Bucket(0)
                    self.buckets.insert(0, b)
                    b.elements.append(e)
                    e.bucket = b
                    self.elements[oe.key] = e
                e.epsilon += oe.epsilon
                self._increment(e, ob.count)
        if not prune:
            return
        while len(self.elements) > self.size:
            self.pruned = True
            b = self.buckets[0]
            old = b.elements.pop(0)
            del self.elements[old.key]
            if not b.elements:
                self.buckets.pop(0)

    def top(self, k: int) -> list:
        """At least ``k`` elements, whole buckets at a time, largest counts first."""
        out: list = []
        for b in reversed(self.buckets):
            if len(out) >= k:
                break
            out.extend(unbox(e.value) for e in b.elements)
        return out

    def __deepcopy__(self, memo):
        c = TopK(self.size)
        c.merge(None, self, False)
        return c

    def state(self) -> list[tuple[int, list[tuple[int, object]]]]:
        """The buckets, smallest count first, as ``(count, [(epsilon, value), ...])``
        (with :attr:`size`, :attr:`pruned` and :attr:`elem_type`, all there is
        to send the counter to another process)."""
        return [(b.count, [(e.epsilon, e.value) for e in b.elements]) for b in self.buckets]

    @classmethod
    def restore(cls, size: int, pruned: bool, elem_type: Type | None, buckets) -> TopK:
        """The counter :meth:`state` describes (ValueError when it cannot be one)."""
        c = cls(size)
        c.pruned, c.elem_type = pruned, elem_type
        last = 0
        for count, elements in buckets:
            if count <= last or not elements:
                raise ValueError("top-k buckets out of order or empty")
            last = count
            b = _Bucket(count)
            c.buckets.append(b)
            for epsilon, value in elements:
                e = _Element(unbox(value), value, epsilon)
                if e.key in c.elements:
                    raise ValueError("top-k element counted twice")
                e.bucket = b
                b.elements.append(e)
                c.elements[e.key] = e
        if len(c.elements) > size:
            raise ValueError("more top-k elements than its size")
        return c

    def __str__(self) -> str:
        return "topk"


@bif("topk_init", "function(size: count): opaque of topk")
def topk_init(size):
    return TopK(size)


@bif("topk_add", "function(handle: opaque of topk, value: any): any", context=True)
def topk_add(ctx, handle, value):
    handle.encountered(ctx, value)


@bif("topk_get_top", "function(handle: opaque of topk, k: count): any_vec", context=True)
def topk_get_top(ctx, handle, k):
    if not handle.elements:
        reporter_error(ctx, "Cannot return topk of empty")
        return NO_VALUE  # Zeek returns a null value
    return Vector(VectorType(handle.elem_type), handle.top(k))


def _element(ctx, handle, value, what: str):
    e = handle.elements.get(unbox(value))
    if e is None:
        reporter_error(ctx, f"{what} for element that is not in top-k")
    return e


@bif("topk_count", "function(handle: opaque of topk, value: any): count", context=True)
def topk_count(ctx, handle, value):
    e = _element(ctx, handle, value, "GetCount")
    return 0 if e is None else e.bucket.count


@bif("topk_epsilon", "function(handle: opaque of topk, value: any): count", context=True)
def topk_epsilon(ctx, handle, value):
    e = _element(ctx, handle, value, "GetEpsilon")
    return 0 if e is None else e.epsilon


@bif("topk_size", "function(handle: opaque of topk): count")
def topk_size(handle):
    return handle.size


@bif("topk_sum", "function(handle: opaque of topk): count", context=True)
def topk_sum(ctx, handle):
    if handle.pruned:
        reporter_warning(
            ctx,
            "TopkVal::GetSum() was used on a pruned data structure. "
            "Result values do not represent total element count",
        )
    return sum(len(b.elements) * b.count for b in handle.buckets)


@bif("topk_merge", "function(handle1: opaque of topk, handle2: opaque of topk): any", context=True)
def topk_merge(ctx, handle1, handle2):
    handle1.merge(ctx, handle2, False)


@bif(
    "topk_merge_prune",
    "function(handle1: opaque of topk, handle2: opaque of topk): any",
    context=True,
)
def topk_merge_prune(ctx, handle1, handle2):
    handle1.merge(ctx, handle2, True)
