"""``copy()``: Zeek's deep copy of values.

Records, tables, sets and vectors are copied recursively; a value reached
twice (including through a cycle) is copied once, so ``same_object``
relations inside the copy mirror the original's.  Closures copy their
captured variables (Zeek's copy-capture semantics).  Atomic values are
immutable and returned as they are, except that ``copy()`` of a string or a
pattern is a new object, as in Zeek (``StringVal``/``PatternVal::DoClone``):
only ``same_object`` can tell.
"""

from __future__ import annotations

import types

from . import zeekorder
from .containers import Set, Table, Vector
from .values import Boxed, Record

__all__ = ["copy_value", "deep_copy"]

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
