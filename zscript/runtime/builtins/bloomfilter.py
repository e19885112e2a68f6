"""Bloom filters: ``opaque of bloomfilter`` (Zeek's ``BloomFilterVal``,
``src/probabilistic/BloomFilter.cc``, ``Hasher.cc``, ``CounterVector.cc``).

A *basic* filter is a bit vector; ``bloomfilter_basic_init(fp, capacity)``
sizes it as ``ceil(-capacity * ln(fp) / ln(2)^2)`` bits with
``ceil(bits / capacity * ln 2)`` hash functions.  A *counting* filter
(``bloomfilter_counting_init(k, cells, max)``) keeps a small counter per
cell, wide enough for ``max``, that saturates instead of overflowing.  An
element sets (or increments) the cells its ``k`` hashes pick; a lookup is 0
or 1 for a basic filter, the smallest of the counters for a counting one.

The hashes are Zeek's: an element's hash key bytes (as a one-index table's
key, :func:`~..zeekhash.key_bytes`) under SipHash-2-4 keyed by a seed, the
first 16 bytes of the SHA-256 of the filter's name, of the script's
``global_hash_seed``, or else of the process's initial random seed
(:func:`~..zeekrandom.initial_seed`, from Zeek's seed file when there is
one), so with Zeek's seed file the same elements collide as in Zeek.  A
basic filter combines two such hashes (``d1 + i * d2``), a counting filter
uses ``k`` of them.  A filter takes the type of the first element added;
elements of another type are refused with Zeek's error.

Intersecting counting filters gives a basic filter with the cells where
both counters have their second-lowest bit set, as Zeek's
``CounterVector::ToBitVector`` computes it.

Provides: bloomfilter_basic_init, bloomfilter_basic_init2,
bloomfilter_counting_init, bloomfilter_add, bloomfilter_decrement,
bloomfilter_lookup, bloomfilter_clear, bloomfilter_merge,
bloomfilter_intersect.
"""

from __future__ import annotations

import math
import struct

from siphashc import siphash

from ...types import OpaqueType, same_type
from .. import zeekhash, zeekrandom
from ..bifs import bif
from ..values import type_of, unbox
from ._support import reporter_error
from .hashing import binary_describe

__all__ = []

_BLOOMFILTER = OpaqueType("bloomfilter")
_M64 = (1 << 64) - 1


def _seed(ctx, name: str) -> tuple[int, int]:
    """``Hasher::MakeSeed``: the filter's two 64-bit key words."""
    import hashlib  # here: OpenSSL loads slowly (start-up)

    if name:
        data = name.encode("latin-1")
    else:
        sid = ctx.script_id("global_hash_seed")
        given = sid.value() if sid is not None and sid.has_value else ""
        data = given.encode("latin-1") if given else struct.pack("<I", zeekrandom.initial_seed())
    return struct.unpack_from("<QQ", hashlib.sha256(data).digest())


def _hash(key: tuple[int, int], data: bytes) -> int:
    return siphash(struct.pack("<QQ", *key), data)


class BloomFilter:
    """A basic (``counters`` is None) or counting Bloom filter."""

    __slots__ = ("cells", "counting", "double", "elem_type", "hashes", "k", "size", "width")

    ztype = _BLOOMFILTER

    def __init__(self, k: int, size: int, seed: tuple[int, int], width: int = 0):
        self.k = k
        self.size = size
        self.counting = width > 0
        #: Zeek's DoubleHasher (basic filters) or DefaultHasher (counting ones).
        self.double = not self.counting
        self.width = width
        #: The cells that are not zero: a basic filter's bits (1) or a counting
        #: filter's counters (a filter may be far larger than what is in it).
        self.cells: dict[int, int] = {}
        if not self.double:
            # DefaultHasher: hash i is keyed by seed + prng(i).
            self.hashes = [
                ((seed[0] + zeekrandom.prng(i)) & _M64, seed[1]) for i in range(1, k + 1)
            ]
        else:
            # DoubleHasher: two hashes, combined.
            self.hashes = [
                ((seed[0] + zeekrandom.prng(1)) & _M64, seed[1]),
                ((seed[0] + zeekrandom.prng(2)) & _M64, seed[1]),
            ]
        self.elem_type = None

    def positions(self, data: bytes) -> list[int]:
        if not self.double:
            return [_hash(h, data) % self.size for h in self.hashes]
        d1, d2 = (_hash(h, data) for h in self.hashes)
        return [((d1 + i * d2) & _M64) % self.size for i in range(self.k)]

    def add(self, data: bytes) -> None:
        cells = self.cells
        top = (1 << self.width) - 1
        for p in self.positions(data):
            cells[p] = min(cells.get(p, 0) + 1, top) if self.counting else 1

    def count(self, data: bytes) -> int:
        cells = self.cells
        return min(cells.get(p, 0) for p in self.positions(data))

    def decrement(self, data: bytes) -> bool:
        if not self.counting or self.count(data) == 0:
            return False
        cells = self.cells
        for p in self.positions(data):
            cells[p] -= 1
            if not cells[p]:
                del cells[p]
        return True

    def compatible(self, other: BloomFilter) -> bool:
        return (
            self.counting == other.counting
            and self.double == other.double
            and self.hashes == other.hashes
            and self.k == other.k
            and self.size == other.size
            and self.width == other.width
        )

    def copy(self) -> BloomFilter:
        c = BloomFilter.__new__(BloomFilter)
        for name in BloomFilter.__slots__:
            setattr(c, name, getattr(self, name))
        c.cells = dict(self.cells)
        return c

    def __deepcopy__(self, memo):
        return self.copy()

    def __str__(self) -> str:
        return "bloomfilter"


def _key(bf: BloomFilter, x) -> bytes | None:
    """The element's hash key bytes, typing the filter by its first element;
    None (after Zeek's error) for an element of another type."""
    t = type_of(x)
    if bf.elem_type is None:
        bf.elem_type = t
    elif t is None or not same_type(bf.elem_type, t):
        return None
    try:
        return zeekhash.key_bytes([t], unbox(x))
    except (zeekhash.UnhashableIndex, AttributeError, TypeError, struct.error):
        return bytes(binary_describe(x))


def _width(most: int) -> int:
    width = 1
    while most > 1:
        most >>= 1
        width += 1
    return width


@bif(
    "bloomfilter_basic_init",
    'function(fp: double, capacity: count, name: string &default=""): opaque of bloomfilter',
    context=True,
)
def bloomfilter_basic_init(ctx, fp, capacity, name=""):
    if fp < 0.0 or fp > 1.0:
        reporter_error(ctx, "false-positive rate must take value between 0 and 1")
        return None
    ln2 = math.log(2)
    cells = math.ceil(-(capacity * math.log(fp) / ln2 / ln2)) if fp > 0 else 0
    k = math.ceil(cells / capacity * ln2) if capacity else 0
    return BloomFilter(max(k, 1), max(cells, 1), _seed(ctx, name))


@bif(
    "bloomfilter_basic_init2",
    'function(k: count, cells: count, name: string &default=""): opaque of bloomfilter',
    context=True,
)
def bloomfilter_basic_init2(ctx, k, cells, name=""):
    if k == 0:
        reporter_error(ctx, "number of hash functions must be non-negative")
        return None
    if cells == 0:
        reporter_error(ctx, "number of cells must be non-negative")
        return None
    return BloomFilter(k, cells, _seed(ctx, name))


@bif(
    "bloomfilter_counting_init",
    'function(k: count, cells: count, max: count, name: string &default=""): opaque of bloomfilter',
    context=True,
)
def bloomfilter_counting_init(ctx, k, cells, max, name=""):  # noqa: A002 - Zeek's name
    if max == 0:
        reporter_error(ctx, "max counter value must be greater than 0")
        return None
    return BloomFilter(k, cells, _seed(ctx, name), _width(max))


@bif("bloomfilter_add", "function(bf: opaque of bloomfilter, x: any): any", context=True)
def bloomfilter_add(ctx, bf, x):
    data = _key(bf, x)
    if data is None:
        reporter_error(ctx, "incompatible Bloom filter types")
    else:
        bf.add(data)
    return None


@bif("bloomfilter_decrement", "function(bf: opaque of bloomfilter, x: any): bool", context=True)
def bloomfilter_decrement(ctx, bf, x):
    data = _key(bf, x)
    if data is None:
        reporter_error(ctx, "incompatible Bloom filter types")
        return False
    return bf.decrement(data)


@bif("bloomfilter_lookup", "function(bf: opaque of bloomfilter, x: any): count", context=True)
def bloomfilter_lookup(ctx, bf, x):
    if bf.elem_type is None:
        return 0
    data = _key(bf, x)
    if data is None:
        reporter_error(ctx, "incompatible Bloom filter types")
        return 0
    return bf.count(data)


@bif("bloomfilter_clear", "function(bf: opaque of bloomfilter): any")
def bloomfilter_clear(bf):
    bf.cells = {}
    return None


def _combine(ctx, a: BloomFilter, b: BloomFilter, what: str) -> bool:
    if (
        a.elem_type is not None
        and b.elem_type is not None
        and not same_type(a.elem_type, b.elem_type)
    ):
        reporter_error(ctx, "incompatible Bloom filter types")
        return False
    if a.counting != b.counting:
        reporter_error(ctx, f"cannot {what} different Bloom filter types")
        return False
    if not a.compatible(b):
        kind = "CountingBloomFilter" if a.counting else "BasicBloomFilter"
        reporter_error(ctx, f"incompatible hashers in {kind} {what}")
        return False
    return True


@bif(
    "bloomfilter_merge",
    "function(bf1: opaque of bloomfilter, bf2: opaque of bloomfilter): opaque of bloomfilter",
    context=True,
)
def bloomfilter_merge(ctx, bf1, bf2):
    if not _combine(ctx, bf1, bf2, "merge"):
        return None
    out = bf1.copy()
    top = (1 << out.width) - 1
    for p, v in bf2.cells.items():
        out.cells[p] = min(out.cells.get(p, 0) + v, top) if out.counting else 1
    out.elem_type = bf1.elem_type or bf2.elem_type
    return out


def _second_bits(bf: BloomFilter) -> set[int]:
    """``CounterVector::ToBitVector`` as Zeek computes it: the cells whose
    bit ``cell * width + 1`` of the counters laid out as one bit vector is
    set."""
    width = bf.width
    out = set()
    for c, v in bf.cells.items():
        for i in range(width):
            if (v >> i) & 1:
                # Bit number c * width + i is bit 1 of the cell that starts
                # one bit before it.
                bit = c * width + i - 1
                if bit >= 0 and bit % width == 0:
                    out.add(bit // width)
    return out


@bif(
    "bloomfilter_intersect",
    "function(bf1: opaque of bloomfilter, bf2: opaque of bloomfilter): opaque of bloomfilter",
    context=True,
)
def bloomfilter_intersect(ctx, bf1, bf2):
    if not _combine(ctx, bf1, bf2, "intersect"):
        return None
    out = bf1.copy()
    if bf1.counting:
        # The result is a basic filter with the counting filter's hashes.
        out.counting, out.width = False, 0
        out.cells = dict.fromkeys(_second_bits(bf1) & _second_bits(bf2), 1)
    else:
        out.cells = {p: 1 for p in bf1.cells if p in bf2.cells}
    out.elem_type = bf1.elem_type or bf2.elem_type
    return out
