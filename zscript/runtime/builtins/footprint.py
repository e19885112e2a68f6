"""``val_footprint``: how many values a value is made of (Zeek's
``Val::Footprint``, ``src/Val.cc``).

An atomic value counts 1; a string 1 plus one per 32 bytes (Zeek divides
its length by the size of a ``Val`` on a 64-bit machine).  A container
counts its elements plus their footprints: a vector its slots, a record its
fields (set or not) plus the footprints of the set ones (a field with a
``&default`` is always set), a table or set its entries plus, for each, the
index as a list (its number of values plus theirs) and the yield.  A
container met again inside itself counts 1, so cycles end.

Provides: val_footprint.
"""

from __future__ import annotations

from ..bifs import bif
from ..containers import Set, Table, Vector
from ..values import Record, field_attr, unbox

__all__ = []

#: ``sizeof(Val)`` for a 64-bit Zeek: a vtable pointer, the location
#: pointer and reference count of ``Obj``, and the type pointer.
_VAL_SIZE = 32


def _index(key, active: set) -> int:
    vals = key if type(key) is tuple else (key,)
    return len(vals) + sum(footprint(v, active) for v in vals)


def _record(r: Record, active: set) -> int:
    fields = r._rtype.fields
    fp = len(fields)
    present = r.__dict__
    for f in fields:
        attr = field_attr(f.name)
        if attr in present or f.default is not None:
            fp += footprint(getattr(r, attr), active)
    return fp


def footprint(v, active: set) -> int:
    """The footprint of ``v``; ``active`` holds the containers being counted."""
    v = unbox(v)
    if isinstance(v, str):
        return 1 + len(v) // _VAL_SIZE
    if not isinstance(v, Record | Table | Set | Vector):
        return 1
    if id(v) in active:
        return 1
    active.add(id(v))
    try:
        if isinstance(v, Record):
            return _record(v, active)
        if isinstance(v, Vector):
            return len(v) + sum(footprint(x, active) for x in v if x is not None)
        fp = len(v)
        for k, x in v.items():
            fp += _index(k, active)
            if isinstance(v, Table) and x is not None:
                fp += footprint(x, active)
        return fp
    finally:
        active.discard(id(v))


@bif("val_footprint", "function(v: any): count")
def val_footprint(v):
    return footprint(v, set())
