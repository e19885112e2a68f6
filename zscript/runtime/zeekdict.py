"""A model of Zeek's ``Dictionary`` that yields Zeek's iteration order.

Zeek's tables and sets are ``Dictionary`` objects (``src/Dict.h``): open
addressing with *clustered* (Robin-Hood-like) placement, where every entry
sits at or after its bucket and the entries of one bucket are contiguous.
Iteration walks the slot array from 0 to its end, so the order in which a
table is printed or looped over is the order of its entries' positions.
Positions depend on the 32-bit hashes and on the whole history of
operations: the sequence of inserts and removals (a removal back-fills its
slot from the following clusters), the growth of the table (it doubles and
then *remaps* its old entries incrementally, 16 moves per insert, while
lookups move a found entry that is still in an old position), and it never
shrinks.

This module replays that history on a small model holding only each
entry's key, 32-bit hash and distance from its bucket.  It mirrors the
operations of ``Dictionary`` (``Insert``, ``Remove``, ``Lookup``,
``SizeUp``, ``Remap``, ``InsertAndRelocate``, ``RemoveAndRelocate``) with
Zeek's constants, so the same operations on the same hashes leave the
entries in the same positions; :meth:`ZeekDict.order` lists them in slot
order.  A ``for`` loop is a snapshot of that order; :class:`RobustIteration`
models Zeek's ``RobustDictIterator`` (what the expiration sweep walks a
table with), whose position is adjusted when entries move under it.
"""

from __future__ import annotations

__all__ = ["RobustIteration", "ZeekDict", "bucket_of"]

#: Entries remapped per step after the table grew (``DICT_REMAP_ENTRIES``).
REMAP_ENTRIES = 16
#: Load factor above which a large table grows (``DICT_LOAD_FACTOR_100``).
LOAD_FACTOR_100 = 75
#: Minimum load factor for growing because of long probe distances.
MIN_LOAD_FACTOR_100 = 25
SPACE_DISTANCE_THRESHOLD = 32
MIN_SPACE_DISTANCE_SAMPLES = 128
#: Tables of at most 2**3 buckets grow only when full (``DICT_THRESHOLD_BITS``).
THRESHOLD_BITS = 3

_FIB = 11400714819323198485  # 2**64 / golden ratio
_M64 = 0xFFFFFFFFFFFFFFFF


def bucket_of(h32: int, bits: int) -> int:
    """``Dictionary::BucketByHash``: the low ``bits`` bits of the Fibonacci hash."""
    if not bits:
        return 0
    return ((h32 * _FIB) & _M64) & ((1 << bits) - 1)


class ZeekDict:
    """Positions of a Zeek ``Dictionary``'s entries.

    Keys are any hashable Python values; each comes with its 32-bit hash
    (the low half of Zeek's 64-bit key hash).  ``slots[i]`` is the key at
    position ``i`` or None, ``dist[i]`` its distance from its bucket.
    """

    __slots__ = (
        "bits",
        "cached",
        "capacity",
        "dist",
        "hashes",
        "iterating",
        "remap_end",
        "remaps",
        "robust",
        "sd_samples",
        "sd_sum",
        "slots",
    )

    def __init__(self, initial_bits: int = 0):
        # Zeek's dictionaries start with one bucket (DEFAULT_DICT_SIZE); a
        # Dictionary made with an initial size starts with log2 of it.
        self.bits = initial_bits  # log2_buckets
        self.capacity = (1 << initial_bits) + initial_bits  # bucket_capacity
        self.slots: list | None = None  # allocated by the first insert
        self.dist: list[int] = []
        #: key -> 32-bit hash, for every key present.
        self.hashes: dict = {}
        self.remaps = 0
        self.remap_end = -1
        self.sd_sum = 0  # space_distance_sum
        self.sd_samples = 0  # space_distance_samples
        #: Number of iterations in progress (they suspend remapping).
        self.iterating = 0
        #: :meth:`order`'s list until an entry moves.
        self.cached: list | None = None
        #: Live :class:`RobustIteration` objects (adjusted as entries move).
        self.robust: list[RobustIteration] = []

    def __len__(self) -> int:
        return len(self.hashes)

    def __contains__(self, key) -> bool:
        return key in self.hashes

    def order(self) -> list:
        """The keys in Zeek's iteration order (slot order; a list shared by
        calls until an entry moves: do not change it)."""
        if self.cached is None:
            self.cached = [] if self.slots is None else [k for k in self.slots if k is not None]
        return self.cached

    # ------------------------------------------------------------ operations

    def insert(self, key, h32: int) -> None:
        """``Dictionary::Insert`` of ``key`` (new or already present)."""
        if self.slots is None:
            self.slots = [None] * self.capacity
            self.dist = [0] * self.capacity
        h32 &= 0xFFFFFFFF
        pos, ins = self._lookup(key, h32)
        if pos < 0:
            self.hashes[key] = h32
            last = self._insert_relocate(key, h32, ins - bucket_of(h32, self.bits), ins)
            for it in self.robust:
                it.adjust_on_insert(key, ins, last)
            self.sd_sum += last - ins
            self.sd_samples += 1
            if self.remap_end >= 0 and ins <= self.remap_end < last:
                self.remap_end = last
            n = len(self.hashes)
            if n > self._threshold() or (
                self.sd_samples > MIN_SPACE_DISTANCE_SAMPLES
                and self.sd_sum > self.sd_samples * SPACE_DISTANCE_THRESHOLD
                and n > MIN_LOAD_FACTOR_100 * self.capacity // 100
            ):
                self._size_up()
        if self.remap_end >= 0:
            self._remap_step()

    def remove(self, key) -> None:
        """``Dictionary::Remove`` (nothing happens for an absent key)."""
        h32 = self.hashes.get(key)
        if h32 is None:
            return
        pos, _ = self._lookup(key, h32)
        if pos < 0:  # pragma: no cover - the model keeps every present key findable
            raise AssertionError("ZeekDict lost a key")
        del self.hashes[key]
        last = self._remove_relocate(pos)
        for it in self.robust:
            it.adjust_on_remove(key, pos, last)

    def lookup(self, key) -> None:
        """``Dictionary::Lookup``: finding a key that still sits in its position
        from before the table grew moves it to its new position."""
        h32 = self.hashes.get(key)
        if h32 is not None and self.remaps:
            self._lookup(key, h32)

    # --------------------------------------------------------------- helpers

    def _threshold(self) -> int:
        """``ThresholdEntries``: small tables grow when full, larger at 75%."""
        if self.bits <= THRESHOLD_BITS:
            return self.capacity
        return self.capacity * LOAD_FACTOR_100 // 100

    def _bucket_at(self, pos: int) -> int:
        return pos - self.dist[pos]

    def _lookup(self, key, h32: int) -> tuple[int, int]:
        """``LookupIndex``: (position or -1, insert position when absent)."""
        bucket = bucket_of(h32, self.bits)
        pos, ins = self._scan(key, bucket, self.capacity)
        if pos >= 0:
            return pos, ins
        for i in range(1, self.remaps + 1):
            prev = bucket_of(h32, self.bits - i)
            if prev <= self.remap_end:
                pos, _ = self._scan(key, prev, self.remap_end + 1)
                if pos >= 0:
                    if not self.iterating:
                        moved = self._remap(pos)
                        if moved >= 0:
                            pos = moved
                    return pos, ins
        return -1, ins

    def _scan(self, key, begin: int, end: int) -> tuple[int, int]:
        slots, dist = self.slots, self.dist
        i = begin
        while i < end and slots[i] is not None and i - dist[i] <= begin:
            if i - dist[i] == begin and slots[i] == key:
                return i, i
            i += 1
        return -1, i

    def _tail_of_cluster(self, pos: int) -> int:
        slots, dist = self.slots, self.dist
        bucket = pos - dist[pos]
        i = pos
        cap = self.capacity
        while i < cap and slots[i] is not None and i - dist[i] == bucket:
            i += 1
        return i - 1

    def _head_of_cluster(self, pos: int) -> int:
        """``HeadOfClusterByPosition``, as Zeek computes it: when the walk back
        stops on the bucket's own slot (held by another cluster) that slot is
        the answer."""
        slots, dist = self.slots, self.dist
        bucket = pos - dist[pos]
        i = pos
        while i >= bucket and slots[i] is not None and i - dist[i] == bucket:
            i -= 1
        return i if i == bucket else i + 1

    def _next_occupied(self, pos: int) -> int:
        """``Next``: the first occupied position after ``pos`` (capacity if none)."""
        slots = self.slots
        cap = self.capacity
        i = pos + 1
        while i < cap and slots[i] is None:
            i += 1
        return i

    def _end_of_cluster_by_bucket(self, bucket: int) -> int:
        slots, dist = self.slots, self.dist
        i = bucket
        cap = self.capacity
        while i < cap and slots[i] is not None and i - dist[i] <= bucket:
            i += 1
        return i

    def _insert_relocate(self, key, h32: int, distance: int, pos: int) -> int:
        """``InsertAndRelocate``: place the entry, pushing each occupant to the end
        of its own cluster; returns the last position changed."""
        self.cached = None
        slots, dist = self.slots, self.dist
        while True:
            if pos >= self.capacity:
                self._size_up()
                slots, dist = self.slots, self.dist
                slots[pos], dist[pos] = key, distance
                return pos
            if slots[pos] is None:
                slots[pos], dist[pos] = key, distance
                return pos
            nxt = self._tail_of_cluster(pos) + 1
            okey, odist = slots[pos], dist[pos] + nxt - pos
            slots[pos], dist[pos] = key, distance
            key, distance, pos = okey, odist, nxt

    def _remove_relocate(self, pos: int) -> int:
        """``RemoveAndRelocate``: fill the hole with the tail of the following
        cluster, repeatedly, until a hole or an entry in its own bucket;
        returns the last position changed."""
        self.cached = None
        slots, dist = self.slots, self.dist
        last = self.capacity - 1
        while True:
            if pos == last or slots[pos + 1] is None or dist[pos + 1] == 0:
                slots[pos] = None
                return pos
            nxt = self._tail_of_cluster(pos + 1)
            slots[pos] = slots[nxt]
            dist[pos] = dist[nxt] - (nxt - pos)
            pos = nxt

    def _size_up(self) -> None:
        prev = self.capacity
        self.bits += 1
        self.capacity = (1 << self.bits) + self.bits
        grow = self.capacity - prev
        self.slots.extend([None] * grow)
        self.dist.extend([0] * grow)
        self.remap_end = prev
        self.remaps += 1
        self.sd_sum = 0
        self.sd_samples = 0

    def _remap_step(self) -> None:
        """``Remap()``: move up to 16 entries of the old layout, from the top down."""
        if self.iterating:
            return
        left = REMAP_ENTRIES
        while self.remap_end >= 0 and left > 0:
            if self.slots[self.remap_end] is not None and self._remap(self.remap_end) >= 0:
                left -= 1
            else:
                self.remap_end -= 1
        if self.remap_end < 0:
            self.remaps = 0

    def _remap(self, pos: int) -> int:
        """``Remap(position)``: move an entry to its bucket for the current size;
        returns its new position, or -1 when it is already there."""
        key = self.slots[pos]
        h32 = self.hashes[key]
        expected = bucket_of(h32, self.bits)
        if self._bucket_at(pos) == expected:
            return -1
        self._remove_relocate(pos)
        ins = self._end_of_cluster_by_bucket(expected)
        self._insert_relocate(key, h32, ins - expected, ins)
        return ins


class RobustIteration:
    """Zeek's ``RobustDictIterator`` over a :class:`ZeekDict`: it visits every
    entry present from start to end exactly once even when entries are
    inserted or removed meanwhile (``GetNextRobustIteration``,
    ``AdjustOnInsert``, ``AdjustOnRemove`` in ``src/Dict.h``).  While it is
    open the dictionary does not remap; :meth:`close` ends it."""

    __slots__ = ("d", "inserted", "nxt", "visited")

    def __init__(self, d: ZeekDict):
        self.d = d
        self.nxt = -1
        self.inserted: list = []
        self.visited: list = []
        d.robust.append(self)
        d.iterating += 1

    def close(self) -> None:
        if self in self.d.robust:
            self.d.robust.remove(self)
            self.d.iterating -= 1

    def next_key(self, end=None):
        """The next key, or ``end`` at the end (which closes the iteration)."""
        d = self.d
        if d.slots is None:
            self.close()
            return end
        if self.inserted:
            return self.inserted.pop()
        slots, cap = d.slots, d.capacity
        if self.nxt < 0:
            self.nxt = d._next_occupied(-1)
        if self.nxt < cap and slots[self.nxt] is None:
            self.nxt = d._next_occupied(self.nxt)
        while self.visited and self.nxt < cap and slots[self.nxt] in self.visited:
            self.visited.remove(slots[self.nxt])
            self.nxt = d._next_occupied(self.nxt)
        if self.nxt >= cap:
            self.close()
            return end
        key = slots[self.nxt]
        self.nxt = d._next_occupied(self.nxt)
        return key

    def _forget(self, key) -> None:
        self.inserted = [k for k in self.inserted if k != key]
        self.visited = [k for k in self.visited if k != key]

    def adjust_on_insert(self, key, pos: int, last: int) -> None:
        self._forget(key)
        if pos < self.nxt:
            self.inserted.append(key)
            if self.nxt <= last:
                self.visited.append(self.d.slots[self.d._tail_of_cluster(self.nxt)])

    def adjust_on_remove(self, key, pos: int, last: int) -> None:
        self._forget(key)
        d = self.d
        if pos < self.nxt <= last:
            moved = max(d._head_of_cluster(self.nxt - 1), pos)
            self.inserted.append(d.slots[moved])
        if self.nxt < d.capacity and d.slots[self.nxt] is None:
            self.nxt = d._next_occupied(self.nxt)
