"""Tables and sets in Zeek's iteration order (the *Zeek order* mode).

By default a table iterates in insertion order: Python's ``dict`` order,
which is also what Zeek gives a table declared ``&ordered``.  An
unordered Zeek table iterates in the order of its hash table's slots
(:mod:`.zeekdict`), which depends on the keyed hash of every index
(:mod:`.zeekhash`) and so on the process's hash seed.  Reproducing it costs
time (a SipHash per new key, written in Python, and a model of the hash
table per container), so it is a mode, off unless the host turns it on (see
:func:`configure`): with Zeek's seed file the output of a script matches
Zeek's line for line.

The mode is process-wide, like Zeek's seed.  When it is on:

* containers created by :func:`~.containers.new_table` /
  :func:`~.containers.new_set` (every table and set a script creates) are
  of a *variant* class (:func:`variant`) that reports inserts, removals and
  lookups to the container's model as they happen, so the model sees the
  same history as Zeek's ``Dictionary``;
* every place that walks a table (``for`` loops, printing, ``to_json``,
  ``table_keys``, copies, set operations ...) asks :func:`keys`,
  :func:`items` or :func:`values` for the order.  A container without a
  model (made by a built-in function) gets one then, built by inserting its
  current keys in insertion order, which is how Zeek builds such values; a
  model that missed changes made behind the variant's back is reconciled
  (removed keys removed, new keys inserted) before it is read.

When the mode is off these functions return the container's own iteration
order at the cost of one call.  A table declared ``&ordered`` (its
``zorder`` slot holds :data:`ORDERED`) always iterates in insertion order.
"""

from __future__ import annotations

import os
import struct
from itertools import repeat

from ..types import RecordType, TableType, VectorType
from . import zeekhash, zeekrandom
from .sinks import warn_here
from .zeekdict import RobustIteration, ZeekDict

__all__ = [
    "ORDERED",
    "active",
    "begin_loop",
    "configure",
    "end_loop",
    "items",
    "keys",
    "note_insert",
    "note_remove",
    "robust_keys",
    "values",
    "variant",
]

#: ``zorder`` value of a table declared ``&ordered``.
ORDERED = "ordered"
#: What :meth:`RobustIteration.next_key` returns at the end.
_END = object()
#: ``zorder`` value of a container whose keys cannot be hashed as Zeek does.
_UNMODELLED = "unmodelled"

_ACTIVE = [False]

#: What hashing a key that Zeek could not hash (or we do not model) raises.
_HASH_ERRORS = (
    zeekhash.UnhashableIndex,
    TypeError,
    AttributeError,
    ValueError,
    OverflowError,
    struct.error,
)


def active() -> bool:
    return _ACTIVE[0]


def configure(*, zeek_order: bool | None = None, seed_file: str | None = None, environ=None):
    """Set the process's hash seed and whether containers iterate in Zeek's order.

    The seed comes from ``seed_file`` (``zscript run -G FILE``), else from
    the file named by ``ZEEK_SEED_FILE``, else it is random, as in Zeek.
    A seed file's first number also starts :mod:`.zeekrandom`'s generator.
    Zeek's order is used when ``zeek_order`` is true; when it is None, when
    ``ZSCRIPT_ZEEK_ORDER`` is ``1`` or a seed file was given (asking for
    Zeek's deterministic hashing says that its order is wanted;
    ``ZSCRIPT_ZEEK_ORDER=0`` keeps insertion order even then).

    Returns the seed.  Raises :class:`~.zeekhash.SeedError` for a seed file
    that cannot be read.
    """
    env = os.environ if environ is None else environ
    path = seed_file or env.get("ZEEK_SEED_FILE") or None
    if path:
        first, seed = zeekhash.read_seed_words(path)
        zeekrandom.start(first)
    else:
        seed = zeekhash.random_seed()
    zeekhash.set_seed(seed, from_file=path is not None)
    if zeek_order is None:
        flag = env.get("ZSCRIPT_ZEEK_ORDER", "")
        zeek_order = flag == "1" or (path is not None and flag != "0")
    _ACTIVE[0] = bool(zeek_order)
    return seed


# ------------------------------------------------------------------ models


class _Model(ZeekDict):
    """A container's :class:`ZeekDict` plus the hash of its index type."""

    __slots__ = ("indices", "nested")

    def add(self, key) -> None:
        h = self.hashes.get(key)
        if h is None:
            h = zeekhash.hash_bytes(zeekhash.key_bytes(self.indices, key)) & 0xFFFFFFFF
            if self.nested:
                _recover_key(self.indices, key)
        self.insert(key, h)


def _has_table(t, seen=()) -> bool:
    if isinstance(t, TableType):
        return True
    if isinstance(t, VectorType):
        return t.elem is not None and _has_table(t.elem, seen)
    if isinstance(t, RecordType) and t not in seen:
        return any(_has_table(f.type, (*seen, t)) for f in t.fields)
    return False


def _recover_key(indices: list, key) -> None:
    """Give the tables inside a new key the order Zeek's recovered index has.

    Zeek keeps a table's index only as hash-key bytes and rebuilds the value
    from them whenever it is read (``CompositeHash::RecoverVals``); a table
    inside the key is rebuilt by inserting its entries in the order they
    were written, the order of their own hash keys.  The key is the
    table's private copy, so its tables are reordered in place.
    """
    parts = key if len(indices) > 1 else (key,)
    for t, v in zip(indices, parts, strict=False):
        _recover(t, v)


def _recover(t, v) -> None:
    if v is None or not _has_table(t):
        return
    if isinstance(t, RecordType):
        for f in t.fields:
            _recover(f.type, getattr(v, "f_" + f.name, None))
    elif isinstance(t, VectorType):
        for x in v:
            _recover(t.elem, x)
    elif isinstance(t, TableType) and isinstance(v, dict):
        order = zeekhash.hash_sorted(t.indices, list(dict.keys(v)))
        entries = [(k, dict.__getitem__(v, k)) for k in order]
        dict.clear(v)
        for k, x in entries:
            _recover_key(t.indices, k)
            if t.yield_ is not None:
                _recover(t.yield_, x)
            dict.__setitem__(v, k, x)
        v.zorder = None


def _model(c) -> _Model | None:
    """``c``'s model, created from its current keys if it has none yet."""
    m = getattr(c, "zorder", None)
    if m is None:
        indices = c.ztype.indices
        if not indices:
            return None
        m = _Model()
        m.indices = indices
        m.nested = any(_has_table(t) for t in indices)
        c.zorder = m
        try:
            for k in dict.keys(c):
                m.add(k)
        except _HASH_ERRORS:
            c.zorder = _UNMODELLED
            return None
        return m
    return m if type(m) is _Model else None


def _reconciled(c) -> _Model | None:
    m = _model(c)
    if m is None:
        return m
    # A variant's model sees every change but those the runtime makes with
    # dict methods on purpose (building a new container, which happens before
    # the model exists, or dropping an expired entry, which changes the
    # size); other containers are compared key by key.
    if len(m.hashes) == len(c) and (type(c) in _VARIANT_TYPES or m.hashes.keys() == dict.keys(c)):
        return m
    try:
        for k in [k for k in m.hashes if not dict.__contains__(c, k)]:
            m.remove(k)
        for k in dict.keys(c):
            if k not in m.hashes:
                m.add(k)
    except _HASH_ERRORS:
        c.zorder = _UNMODELLED
        return None
    return m


def _tell(c, op, key, lookup: bool = False) -> None:
    """Apply ``op(model, key)`` to ``c``'s model (a lookup only while it remaps)."""
    m = _model(c)
    if m is None or (lookup and not m.remaps):
        return
    try:
        op(m, key)
    except _HASH_ERRORS:
        c.zorder = _UNMODELLED


def keys(c):
    """``c``'s keys in iteration order (a list in Zeek order mode, else ``c``)."""
    if not _ACTIVE[0]:
        return c
    m = _reconciled(c)
    return list(dict.keys(c)) if m is None else m.order()


def items(c):
    """``c``'s ``(key, value)`` pairs in iteration order."""
    if not _ACTIVE[0]:
        return c.items()
    order = keys(c)
    return list(zip(order, map(dict.__getitem__, repeat(c, len(order)), order), strict=True))


def values(c):
    """``c``'s values in iteration order."""
    if not _ACTIVE[0]:
        return c.values()
    order = keys(c)
    return list(map(dict.__getitem__, repeat(c, len(order)), order))


def robust_keys(c):
    """Iterate over ``c``'s keys as Zeek's ``RobustDictIterator`` does: keys
    removed meanwhile are skipped, keys inserted meanwhile are visited, and
    entries that removals move back are not missed (``src/Dict.h``).  The
    changes must reach the model (variant methods, :func:`note_remove`)."""
    m = _reconciled(c)
    if m is None:
        for k in list(dict.keys(c)):
            if dict.__contains__(c, k):
                yield k
        return
    it = RobustIteration(m)
    try:
        while getattr(c, "zorder", None) is m:  # clearing the table ends the walk
            k = it.next_key(_END)
            if k is _END:
                return
            yield k
    finally:
        it.close()


def begin_loop(c, kind: str) -> tuple:
    """``(model, snapshot)`` for a ``for`` loop over ``c``'s ``kind`` (``"keys"``,
    ``"items"`` or ``"values"``); :func:`end_loop` must get the model when the
    loop ends, however it ends.

    Zeek's ``for`` holds iterators on the table for the whole loop, and a
    dictionary with iterators does not move entries to their new positions
    after growing (``Remap`` waits), so neither do inserts and lookups made
    by the loop's body here.
    """
    order = keys(c)
    if kind != "keys":
        # Values as they are when the loop starts (a copy: the body may delete).
        get = dict(c).__getitem__
        order = zip(order, map(get, order), strict=True) if kind == "items" else map(get, order)
    m = getattr(c, "zorder", None)
    if type(m) is not _Model:
        return None, order
    m.iterating += 1
    return m, order


def end_loop(m: _Model | None) -> None:
    if m is not None:
        m.iterating -= 1


def note_insert(c, key) -> None:
    """Tell ``c``'s model that ``key`` is being inserted behind the variant's back."""
    if _ACTIVE[0]:
        _tell(c, _Model.add, key)


def note_remove(c, key) -> None:
    """Tell ``c``'s model that ``key`` is being removed behind the variant's back."""
    if _ACTIVE[0]:
        _tell(c, _Model.remove, key)


# ------------------------------------------------------------------ variants

_VARIANTS: dict[type, type] = {}
_VARIANT_TYPES: set[type] = set()


def variant(cls: type) -> type:
    """The subclass of container class ``cls`` whose changes and lookups update
    the container's model (created once per class)."""
    v = _VARIANTS.get(cls)
    if v is None:
        v = _VARIANTS[cls] = type("Zeek" + cls.__name__, (cls,), _hooks(cls))
        _VARIANT_TYPES.add(v)
    return v


def _invalidates(c, key, adding: bool) -> None:
    """Zeek warns when a loop's table gains or loses a member while the loop
    iterates it (``Dictionary`` with live iterators, src/Dict.cc); only the
    modelled containers of this mode know that they are being iterated."""
    m = getattr(c, "zorder", None)
    if type(m) is _Model and m.iterating and dict.__contains__(c, key) != adding:
        warn_here("possible loop/iterator invalidation")


def _hooks(base: type) -> dict:
    base_delete, base_clear, base_contains = base.zdelete, base.zclear, base.__contains__

    def zdelete(self, key) -> None:
        _invalidates(self, key, False)
        _tell(self, _Model.remove, key)
        base_delete(self, key)

    def zclear(self) -> None:
        base_clear(self)
        # Zeek replaces the dictionary by a new, empty one (TableVal::RemoveAll).
        self.zorder = None

    def __contains__(self, key) -> bool:
        found = base_contains(self, key)
        if found:
            _tell(self, _Model.lookup, key, True)
        return found

    hooks = {"__slots__": (), "zdelete": zdelete, "zclear": zclear, "__contains__": __contains__}
    if hasattr(base, "zadd"):
        base_add = base.zadd

        def zadd(self, key) -> None:
            _invalidates(self, key, True)
            _tell(self, _Model.add, key)
            base_add(self, key)

        hooks["zadd"] = zadd
    else:
        base_set, base_get = base.__setitem__, base.__getitem__

        def __setitem__(self, key, value) -> None:
            _invalidates(self, key, True)
            _tell(self, _Model.add, key)
            base_set(self, key, value)

        def __getitem__(self, key):
            value = base_get(self, key)
            _tell(self, _Model.lookup, key, True)
            return value

        hooks["__setitem__"] = __setitem__
        hooks["__getitem__"] = __getitem__
    return hooks
