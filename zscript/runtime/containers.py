"""Tables, sets and vectors.

:class:`Table` and :class:`Set` are ``dict`` subclasses and :class:`Vector` a
``list`` subclass, so compiled code indexes, tests membership and iterates
them at C speed.  Behaviour that Zeek attaches to a container *value*
through attributes lives in the instance or in subclasses chosen when the
value is created (see :func:`new_table`):

* ``&default`` (a value or a function of the index) is served by
  ``__missing__``, so only failed lookups pay for it;
* ``&on_change`` uses :class:`ObservedTable` / :class:`ObservedSet`, which
  override the mutating methods;
* expiration (``&create_expire``, ``&read_expire``, ``&write_expire``,
  ``&expire_func``) uses :class:`ExpiringTable` / :class:`ExpiringSet`,
  which record access times that the engine's sweep timer consults.

A multi-index key is a tuple.  Containers iterate in insertion order (what
Zeek gives an ``&ordered`` table) unless Zeek's hash order is asked for:
then :mod:`.zeekorder` keeps a model of Zeek's hash table in each
container's ``zorder`` slot, and the creators below return its variant
classes, which tell the model about changes.

Zeek's ``copy()`` is :func:`copy_value` / :func:`deep_copy` (here, not in a
module of its own, because ``&default`` hands out a copy of a container or
record default): records, tables, sets and vectors are copied recursively; a
value reached twice (including through a cycle) is copied once, so
``same_object`` relations inside the copy mirror the original's.  Closures
copy their captured variables (Zeek's copy-capture semantics).  Atomic values
are immutable and returned as they are, except that ``copy()`` of a string or a
pattern is a new object, as in Zeek (``StringVal``/``PatternVal::DoClone``):
only ``same_object`` can tell.
"""

from __future__ import annotations

import types
from collections.abc import Callable

from ..types import TableType, VectorType
from . import zeekorder
from .values import Boxed, Record, freeze

__all__ = [
    "ExpiringSet",
    "ObservedExpiringSet",
    "ObservedExpiringTable",
    "expire_entry",
    "ExpiringTable",
    "ObservedSet",
    "ObservedTable",
    "Set",
    "Table",
    "Vector",
    "copy_value",
    "deep_copy",
    "new_set",
    "new_table",
    "vector_assign",
]


class Table(dict):
    """A zscript ``table``: ``dict`` plus its type and ``&default``."""

    __slots__ = ("__weakref__", "default", "default_func", "default_insert", "zorder", "ztype")

    def __init__(self, ztype: TableType, *args):
        super().__init__(*args)
        self.ztype = ztype
        self.default = None
        self.default_func: Callable | None = None
        self.default_insert = False

    def __missing__(self, key):
        fn = self.default_func
        if fn is not None:
            v = fn(*key) if type(key) is tuple else fn(key)
        elif self.default is not None:
            v = self.default
            if isinstance(v, Table | Set | Vector) or hasattr(v, "_rtype"):
                v = deep_copy(v)
        else:
            raise KeyError(key)
        if self.default_insert:
            self[key] = v
        return v

    def zdelete(self, key) -> None:
        self.pop(key, None)

    def zclear(self) -> None:
        self.clear()

    def __hash__(self) -> int:
        return hash(freeze(self))

    def copy_empty(self) -> Table:
        """A new empty table with the same type and attributes."""
        return _copy_empty(self)


class Set(dict):
    """A zscript ``set``: the elements are the keys (values are ``None``)."""

    __slots__ = ("__weakref__", "zorder", "ztype")

    def __init__(self, ztype: TableType, elems=()):
        super().__init__()
        self.ztype = ztype
        for e in elems:
            self[e] = None

    def zadd(self, key) -> None:
        self[key] = None

    def zdelete(self, key) -> None:
        self.pop(key, None)

    def zclear(self) -> None:
        self.clear()

    def copy_empty(self) -> Set:
        return _copy_empty(self)

    def __hash__(self) -> int:
        return hash(freeze(self))


def _all_slots(cls) -> list[str]:
    out: list[str] = []
    for c in cls.__mro__:
        out.extend(getattr(c, "__slots__", ()))
    return out


def _copy_empty(c):
    """An empty container of ``c``'s class with its attributes; a model of
    Zeek's order is not shared (only ``&ordered`` carries over)."""
    new = type(c).__new__(type(c))
    dict.__init__(new)
    for slot in _all_slots(type(c)):
        if slot == "zorder":
            if getattr(c, "zorder", None) is zeekorder.ORDERED:
                new.zorder = zeekorder.ORDERED
        elif slot != "__weakref__":
            setattr(new, slot, getattr(c, slot))
    return new


# ------------------------------------------------------------------ &on_change


class _Observed:
    """Mixin calling the ``&on_change`` function ``f(container, change, key[, value])``.

    ``on_change`` holds a thunk returning the function: attribute expressions
    are evaluated when used, as in Zeek (the function may be defined later).

    A change made from inside the on_change function does not call it again
    (Zeek suppresses recursion the same way).
    """

    __slots__ = ()

    def _notify(self, change, key, *value):
        if self.in_change:
            return
        self.in_change = True
        try:
            fn = self.on_change()
            if type(key) is tuple:
                fn(self, change, *key, *value)
            else:
                fn(self, change, key, *value)
        finally:
            self.in_change = False


class ObservedTable(_Observed, Table):
    __slots__ = ("enums", "in_change", "on_change")

    def __setitem__(self, key, value):
        existed = key in self
        old = dict.get(self, key) if existed else None
        dict.__setitem__(self, key, value)
        if existed:
            self._notify(self.enums[1], key, old)
        else:
            self._notify(self.enums[0], key, value)

    def zdelete(self, key) -> None:
        if key in self:
            old = dict.pop(self, key)
            self._notify(self.enums[2], key, old)

    def zclear(self) -> None:
        for key in list(self):
            self.zdelete(key)


class ObservedSet(_Observed, Set):
    __slots__ = ("enums", "in_change", "on_change")

    def zadd(self, key) -> None:
        if key not in self:
            dict.__setitem__(self, key, None)
            self._notify(self.enums[0], key)

    def zdelete(self, key) -> None:
        if key in self:
            dict.pop(self, key)
            self._notify(self.enums[2], key)

    def zclear(self) -> None:
        for key in list(self):
            self.zdelete(key)


# ------------------------------------------------------------------ expiration


class _Expiring:
    """Mixin keeping the last relevant access time of each key.

    ``expire_kind`` is ``"create"``, ``"read"`` or ``"write"``: the kind of
    access that restarts the key's clock.  ``expire_interval`` and
    ``expire_func`` are thunks (evaluated at each sweep, so a later ``redef``
    of the interval applies).  ``now`` is the engine's network-time function.
    The sweep is driven by the engine.
    """

    __slots__ = ()

    def expired_keys(self, now: float):
        """The keys whose time is up at ``now``.  In Zeek order mode they come
        lazily, in the order of Zeek's sweep (``TableVal::DoExpire`` walks the
        table with a robust iterator, which entries removed by the sweep
        itself move under); the interval is evaluated here, at once."""
        limit = self.expire_interval()
        if zeekorder.active():
            return self._due(now, limit)
        return [k for k, t in self.atimes.items() if now - t >= limit]

    def _due(self, now: float, limit: float):
        atimes = self.atimes
        for k in zeekorder.robust_keys(self):
            if now - atimes.get(k, now) >= limit:
                yield k


class ExpiringTable(_Expiring, Table):
    __slots__ = ("atimes", "expire_func", "expire_interval", "expire_kind", "now")

    def __setitem__(self, key, value):
        if key not in self or self.expire_kind != "create":
            self.atimes[key] = self.now()
        dict.__setitem__(self, key, value)

    def __getitem__(self, key):
        v = dict.__getitem__(self, key)
        if self.expire_kind == "read" and key in self.atimes:
            self.atimes[key] = self.now()
        return v

    def zdelete(self, key) -> None:
        self.pop(key, None)
        self.atimes.pop(key, None)

    def zclear(self) -> None:
        self.clear()
        self.atimes.clear()


class ExpiringSet(_Expiring, Set):
    __slots__ = ("atimes", "expire_func", "expire_interval", "expire_kind", "now")

    def zadd(self, key) -> None:
        if key not in self or self.expire_kind != "create":
            self.atimes[key] = self.now()
        dict.__setitem__(self, key, None)

    def zdelete(self, key) -> None:
        self.pop(key, None)
        self.atimes.pop(key, None)

    def zclear(self) -> None:
        self.clear()
        self.atimes.clear()


class ObservedExpiringTable(ExpiringTable):
    """A table with both ``&on_change`` and an expiration attribute."""

    __slots__ = ("enums", "in_change", "on_change")

    _notify = _Observed._notify

    def __setitem__(self, key, value):
        existed = key in self
        old = dict.get(self, key) if existed else None
        ExpiringTable.__setitem__(self, key, value)
        self._notify(self.enums[1] if existed else self.enums[0], key, old if existed else value)

    def zdelete(self, key) -> None:
        if key in self:
            old = dict.pop(self, key)
            self.atimes.pop(key, None)
            self._notify(self.enums[2], key, old)

    def zclear(self) -> None:
        for key in list(self):
            self.zdelete(key)


class ObservedExpiringSet(ExpiringSet):
    """A set with both ``&on_change`` and an expiration attribute."""

    __slots__ = ("enums", "in_change", "on_change")

    _notify = _Observed._notify

    def zadd(self, key) -> None:
        new = key not in self
        ExpiringSet.zadd(self, key)
        if new:
            self._notify(self.enums[0], key)

    def zdelete(self, key) -> None:
        if key in self:
            dict.pop(self, key)
            self.atimes.pop(key, None)
            self._notify(self.enums[2], key)

    def zclear(self) -> None:
        for key in list(self):
            self.zdelete(key)


def expire_entry(container, key) -> None:
    """Remove an expired entry, telling ``&on_change`` (TABLE_ELEMENT_EXPIRED)."""
    if key not in container:
        return
    if isinstance(container, ObservedExpiringTable | ObservedExpiringSet):
        zeekorder.note_remove(container, key)
        old = dict.pop(container, key)
        container.atimes.pop(key, None)
        if isinstance(container, ObservedExpiringTable):
            container._notify(container.enums[3], key, old)
        else:
            container._notify(container.enums[3], key)
        return
    container.zdelete(key)


def new_table(
    ztype: TableType, *, on_change=None, enums=None, expire=None, now=None, ordered=False
) -> Table:
    """Create an empty table with the behaviour its attributes ask for.

    :param expire: ``(kind, interval_thunk, expire_func_thunk)`` or None.
    :param on_change: a thunk returning the ``&on_change`` function.
    :param ordered: ``&ordered``: iterate in insertion order even in Zeek order mode.
    """
    if expire is not None:
        t = _new(ExpiringTable if on_change is None else ObservedExpiringTable, ztype, ordered)
        t.expire_kind, t.expire_interval, t.expire_func = expire
        t.atimes = {}
        t.now = now
        if on_change is not None:
            t.on_change, t.enums, t.in_change = on_change, enums, False
        return t
    if on_change is not None:
        t = _new(ObservedTable, ztype, ordered)
        t.on_change = on_change
        t.enums = enums
        t.in_change = False
        return t
    return _new(Table, ztype, ordered)


def new_set(
    ztype: TableType, *, on_change=None, enums=None, expire=None, now=None, ordered=False
) -> Set:
    if expire is not None:
        s = _new(ExpiringSet if on_change is None else ObservedExpiringSet, ztype, ordered)
        s.expire_kind, s.expire_interval, s.expire_func = expire
        s.atimes = {}
        s.now = now
        if on_change is not None:
            s.on_change, s.enums, s.in_change = on_change, enums, False
        return s
    if on_change is not None:
        s = _new(ObservedSet, ztype, ordered)
        s.on_change = on_change
        s.enums = enums
        s.in_change = False
        return s
    return _new(Set, ztype, ordered)


def _new(cls, ztype: TableType, ordered: bool):
    """An instance of ``cls``, or of its variant that keeps Zeek's order."""
    if ordered:
        c = cls(ztype)
        c.zorder = zeekorder.ORDERED
        return c
    if zeekorder.active():
        return zeekorder.variant(cls)(ztype)
    return cls(ztype)


class Vector(list):
    """A zscript ``vector``; unassigned slots (holes) hold ``None``."""

    __slots__ = ("__weakref__", "ztype")

    def __init__(self, ztype: VectorType, items=()):
        super().__init__(items)
        self.ztype = ztype

    def zclear(self) -> None:
        self.clear()

    def __hash__(self) -> int:
        return hash(freeze(self))


def vector_assign(v: Vector, i: int, x) -> None:
    """``v[i] = x``, growing the vector (with holes) when ``i`` is past the end."""
    n = len(v)
    if 0 <= i < n:
        v[i] = x
    elif i == n:
        v.append(x)
    elif i > n:
        v.extend([None] * (i - n))
        v.append(x)
    elif -n <= i < 0:
        v[i] = x
    else:
        raise IndexError(i)


# ------------------------------------------------------------------ copy()

_ATOMIC = (int, float, str, bool, type(None))


def copy_value(v):
    """Zeek's ``copy(v)``: :func:`deep_copy`, and a string is a new object."""
    if type(v) is str and len(v) > 1:
        return v[:1] + v[1:]
    return deep_copy(v)


def deep_copy(v, memo: dict | None = None):
    if isinstance(v, _ATOMIC):
        return v
    if memo is None:
        memo = {}
    vid = id(v)
    if vid in memo:
        return memo[vid]
    if isinstance(v, Record):
        c = object.__new__(type(v))
        memo[vid] = c
        d = c.__dict__
        for k, x in v.__dict__.items():
            d[k] = x if isinstance(x, _ATOMIC) else deep_copy(x, memo)
        return c
    if isinstance(v, Table | Set):
        c = v.copy_empty()
        memo[vid] = c
        atimes = getattr(v, "atimes", None)
        for k, x in zeekorder.items(v):
            dict.__setitem__(
                c, deep_copy(k, memo), x if isinstance(x, _ATOMIC) else deep_copy(x, memo)
            )
        if atimes is not None:
            c.atimes = dict(atimes)
        if getattr(c, "default_func", None) is not None:
            c.default_func = deep_copy(c.default_func, memo)
        return c
    if isinstance(v, Vector):
        c = Vector(v.ztype)
        memo[vid] = c
        c.extend(x if isinstance(x, _ATOMIC) else deep_copy(x, memo) for x in v)
        return c
    if type(v) is tuple:
        return tuple(deep_copy(x, memo) for x in v)
    if type(v) is Boxed:
        return v
    own = getattr(v, "__deepcopy__", None)
    if own is not None and not isinstance(v, types.FunctionType):
        c = own(memo)
        memo[vid] = c
        return c
    if isinstance(v, types.FunctionType) and v.__closure__ and getattr(v, "_zlambda", False):
        cells = tuple(types.CellType(deep_copy(cell.cell_contents, memo)) for cell in v.__closure__)
        f = types.FunctionType(v.__code__, v.__globals__, v.__name__, v.__defaults__, cells)
        f.__dict__.update(v.__dict__)
        memo[vid] = f
        return f
    return v
