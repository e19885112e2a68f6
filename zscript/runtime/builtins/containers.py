"""Built-in functions on tables, sets and vectors.

Provides: table_keys, table_values, clear_table, sort, order.

``table_values`` is declared to return ``any_vec`` as in Zeek, but its
static result is the vector of the table's yield type (Zeek's runtime type),
so ``local v: vector of string = table_values(t)`` type-checks.

``sort`` and ``order`` take an optional comparison function returning a
negative, zero or positive int; without one only vectors of numbers
(count, int, double, time, interval) can be sorted, as in Zeek.  Misuse is
a non-fatal error: the vector is returned unchanged (``order`` returns an
empty index vector).
"""

from __future__ import annotations

import functools

from ...types import COUNT, TableType, VectorType
from .. import zeekorder
from ..bifs import bif
from ..containers import Set, Table, Vector
from ..errors import NO_VALUE, ScriptError
from ._support import builtin_error, static_arg_type

__all__ = []

_INDEX_VEC = VectorType(COUNT)
_NUMERIC = ("count", "int", "double", "time", "interval")


def _table_arg_type(types, args):
    t = static_arg_type(types, args, 0)
    return t if isinstance(t, TableType) else None


def _values_type(types, args):
    t = _table_arg_type(types, args)
    return VectorType(t.yield_) if t is not None and t.yield_ is not None else None


@bif("table_keys", "function(t: any): any", context=True)
def table_keys(ctx, t):
    if not isinstance(t, Table | Set):
        builtin_error(ctx, "table_keys() requires a table argument")
        return None
    return Set(TableType(t.ztype.indices, None), zeekorder.keys(t))


@bif("table_values", "function(t: any): any_vec", result=_values_type, context=True)
def table_values(ctx, t):
    if not isinstance(t, Table):
        builtin_error(ctx, "table_values() requires a table argument")
        return None
    return Vector(VectorType(t.ztype.yield_), zeekorder.values(t))


@bif("clear_table", "function(v: any): any", context=True)
def clear_table(ctx, v):
    if isinstance(v, Table | Set):
        v.zclear()
    else:
        builtin_error(ctx, "clear_table() requires a table/set argument")


def _sort_key(ctx, name: str, v, rest):
    """The key ordering ``v``'s elements, or None after reporting misuse."""
    if not isinstance(v, Vector):
        builtin_error(ctx, f"{name}() requires vector")
        return None
    if len(rest) > 1:
        builtin_error(ctx, f"{name}() called with extraneous argument")
        return None
    if rest:
        cmp = rest[0]
        if not callable(cmp):
            builtin_error(ctx, f"second argument to {name}() needs to be comparison function")
            return None
        return functools.cmp_to_key(lambda a, b: _compare(cmp, a, b))
    elem = v.ztype.elem
    if elem is None or elem.tag not in _NUMERIC:
        builtin_error(ctx, f"comparison function required for {name}() with non-numeric types")
        return None
    return _numeric_key


def _compare(cmp, a, b) -> int:
    r = cmp(a, b)
    if r is None or r is NO_VALUE:
        # Zeek reports this at the comparison function (src/Val.cc).
        raise ScriptError(
            "comparison function did not return a value",
            kind="runtime error",
            span=getattr(cmp, "_zspan", None),
        )
    return r


def _numeric_key(x):
    return x


def _sorted_positions(v, key) -> list[int]:
    """Indices of ``v``'s elements in sorted order; holes go last."""
    present = [i for i, x in enumerate(v) if x is not None]
    present.sort(key=lambda i: key(v[i]))
    return present + [i for i, x in enumerate(v) if x is None]


def _result_first(types, args):
    return static_arg_type(types, args, 0)


@bif("sort", "function(v: any): any", varargs=True, result=_result_first, context=True)
def sort(ctx, v, *rest):
    key = _sort_key(ctx, "sort", v, rest)
    if key is not None:
        v[:] = [v[i] for i in _sorted_positions(v, key)]
    return v


@bif("order", "function(v: any): index_vec", varargs=True, context=True)
def order(ctx, v, *rest):
    key = _sort_key(ctx, "order", v, rest)
    if key is None:
        return Vector(_INDEX_VEC)
    return Vector(_INDEX_VEC, _sorted_positions(v, key))
