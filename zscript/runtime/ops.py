"""Helpers called by compiled code for the operations that are not a single
Python operator.

Compiled code refers to these functions under ``_z_<name>`` (see
:data:`HELPERS`).  Each implements one Zeek operation exactly: C-style
integer division, count underflow (a warning and wrap-around, as Zeek does),
increments of record fields and table elements, vector growth, set algebra,
``as``/``is`` conversions of ``any`` values, and so on.  Errors are raised as
the Python exceptions the reporter maps to Zeek's messages.
"""

from __future__ import annotations

import itertools
import sys

from ..types import COUNT, DOUBLE, FuncType, RecordType, TableType, Type, VectorType, same_type
from . import zeekorder
from .addresses import (
    Addr,
    Port,
    Subnet,
    addr_bits,
    mask_bits,
    subnet_bits,
    subnet_from_bits,
)
from .casts import can_cast_value, cast_value, coerce_from_any, received_data
from .containers import Set, Table, Vector, copy_value, vector_assign
from .describe import escape_bytes
from .errors import NO_VALUE, AssertionFailure, ScriptError
from .files import ScriptFile, print_to
from .sinks import ERRORS, PLAIN_WARNINGS, TYPE_ERRORS
from .sinks import warn_here as _warn
from .values import Boxed, EnumVal, Record, TypeVal, box, field_attr, record_class, type_of, unbox

__all__ = ["HELPERS", "Frame"]

M64 = 0xFFFFFFFFFFFFFFFF


class Frame:
    """Holder of the locals a ``when`` condition and body share."""

    __slots__ = ("__dict__", "_cache")

    def __init__(self):
        self._cache = {}


def noreturn(name: str):
    """A function with a result ended without ``return`` (src/Func.cc): warn,
    and give :data:`~.errors.NO_VALUE`, which the caller may discard but not use."""
    sink = PLAIN_WARNINGS[0]
    if sink is not None:
        sink(f"non-void function returning without a value: {name}")
    return NO_VALUE


def csub(a: int, b: int) -> int:
    """count - count; underflow wraps around with a warning (Zeek 7 behaviour)."""
    r = a - b
    if r < 0:
        _warn("count underflow")
        r &= M64
    return r


def cdec(a: int) -> int:
    if a == 0:
        _warn("count underflow")
        return M64
    return a - 1


def idiv(a: int, b: int) -> int:
    """int / int truncating toward zero, like C."""
    if b == 0:
        raise ZeroDivisionError
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q


def imod(a: int, b: int) -> int:
    if b == 0:
        raise ZeroDivisionError
    return a - b * idiv(a, b)


def incattr(obj, attr: str, delta: int, is_count: bool):
    v = getattr(obj, attr)
    if is_count:
        v = (v + 1) & M64 if delta > 0 else cdec(v)
    else:
        v += delta
    setattr(obj, attr, v)
    return v


def incitem(container, key, delta: int, is_count: bool):
    v = container[key]
    if is_count:
        v = (v + 1) & M64 if delta > 0 else cdec(v)
    else:
        v += delta
    container[key] = v
    return v


def incvec(vec, i, delta, is_count):
    v = vec[i]
    if v is None:
        raise IndexError(i)
    if is_count:
        v = (v + 1) & M64 if delta > 0 else cdec(v)
    else:
        v += delta
    vec[i] = v
    return v


def setitem(container, key, value):
    container[key] = value
    return value


def setattr_(obj, attr, value):
    setattr(obj, attr, value)
    return value


def vset_value(vec, i, value):
    vector_assign(vec, i, value)
    return value


def vget(vec, i):
    v = vec[i]
    if v is None:
        raise IndexError(i)
    return v


def vmask(vec, idx):
    """``v[mask]`` (vector of bool) or ``v[indices]`` (vector of count)."""
    elem = idx.ztype.elem
    if elem is not None and elem.tag == "bool":
        if len(idx) != len(vec):
            raise ScriptError("size mismatch, boolean index and vector")
        return Vector(vec.ztype, [x for x, keep in zip(vec, idx, strict=True) if keep])
    # A hole in the index vector gives a hole in the result.
    return Vector(vec.ztype, [None if i is None else vec[i] for i in idx])


def vindices(vec):
    return [i for i, x in enumerate(vec) if x is not None]


def vitems(vec):
    return [(i, x) for i, x in enumerate(vec) if x is not None]


def vin(i, vec) -> bool:
    return 0 <= i < len(vec) and vec[i] is not None


def vdelete(vec, i) -> None:
    if 0 <= i < len(vec):
        del vec[i]


def vappend(vec, x):
    vec.append(x)
    return vec


class Each:
    """In a constructor's index: each member of a set (see :func:`cross`)."""

    __slots__ = ("members",)

    def __init__(self, members):
        self.members = list(members)


def cross(key) -> list:
    """The keys one constructor element stands for: the cross product of
    its :class:`Each` parts (Zeek's constructor expansion, ``expand_op``)."""
    if isinstance(key, Each):
        return key.members
    return list(itertools.product(*(p.members if isinstance(p, Each) else (p,) for p in key)))


def cross_items(key, value, copy) -> list:
    """``(key, value)`` for each key of :func:`cross`; an aggregate value is
    copied for each (Zeek evaluates the value once per element)."""
    keys = cross(key)
    if copy is None or not keys:
        return [(k, value) for k in keys]
    return [(keys[0], value)] + [(k, copy(value)) for k in keys[1:]]


def vextend(vec, other):
    vec.extend(other)
    return vec


# A ``vector of any`` can be the very vector of a more specific type (Zeek
# passes ``vector of count`` as ``vector of any`` without converting it:
# ``same_type`` lets ``any`` match).  Code whose static type is ``vector of
# any`` therefore reads through the helpers below: an element read is boxed
# with the vector's own element type, and a stored value must have that type
# (as Zeek's VectorVal::CheckElementType), stored unboxed.


def _any_elem(vec):
    """The element type of ``vec`` if it is more specific than ``any``."""
    elem = vec.ztype.elem
    return None if elem is None or elem.tag == "any" else elem


def _checked_elem(elem, x, what: str):
    t = type_of(x)
    if t is not None and not same_type(t, elem):
        raise ScriptError(what)
    return unbox(x)


def vget_any(vec, i):
    x = vget(vec, i)
    elem = _any_elem(vec)
    return x if elem is None else box(x, elem)


def vitems_any(vec):
    elem = _any_elem(vec)
    if elem is None:
        return vitems(vec)
    return [(i, box(x, elem)) for i, x in enumerate(vec) if x is not None]


def vappend_any(vec, x):
    elem = _any_elem(vec)
    if elem is not None:
        x = _checked_elem(elem, x, "type-checking failed in vector append")
    vec.append(x)
    return vec


def vset_any(vec, i, x):
    elem = _any_elem(vec)
    if elem is not None:
        x = _checked_elem(elem, x, "type-checking failed in vector assignment")
    vector_assign(vec, i, x)


def vextend_typed(vec, other):
    """``v += w`` of vectors whose element types differ only by ``any``:
    each element of ``w`` is boxed for, or checked against, ``v``'s element
    type; the first that does not fit ends the append (Zeek's VectorVal::AddTo)
    with a non-fatal error (Zeek's "incompatible vector element assignment")."""
    src = other.ztype.elem
    dst = vec.ztype.elem
    for x in other:
        if x is not None:
            if src is not None and src.tag != "any":
                x = box(x, src)
            if dst is not None and dst.tag != "any":
                t = type_of(x)
                if t is not None and not same_type(t, dst):
                    sink = ERRORS[0]
                    if sink is not None:
                        sink("incompatible vector element assignment", other, 3)
                    break
                x = unbox(x)
        vec.append(x)
    return vec


def vcoerce(vec, src: VectorType, dst: VectorType):
    elem = src.elem
    return Vector(dst, [box(x, elem) if x is not None else None for x in vec])


def vneg(vec, t):
    return Vector(t, [-x if x is not None else None for x in vec])


def varith(op: str, a, b, t: VectorType):
    """Element-wise ``a op b``; a hole in either operand gives a hole."""
    if len(a) != len(b):
        raise ScriptError("vector operands are of different sizes")
    f = _ARITH[op]
    elem = t.elem.tag if t.elem is not None else ""
    if elem == "int":
        if op in ("/", "%"):
            f = idiv if op == "/" else imod
        # A count too large for an int does not promote: an error, and a hole
        # (Zeek's check_and_promote).
        for vec in (a, b):
            for x in vec:
                if type(x) is int and x > _INT_MAX:
                    sink = TYPE_ERRORS[0]
                    if sink is not None:
                        sink(_OVERFLOW_TO_INT, "int", Boxed(COUNT, x), 3)
        a, b = _int_promoted(a), _int_promoted(b)
    out = [None if x is None or y is None else f(x, y) for x, y in zip(a, b, strict=True)]
    if elem == "count":
        out = [x & M64 if x is not None and not 0 <= x <= M64 else x for x in out]
    return Vector(t, out)


_INT_MAX = (1 << 63) - 1
_OVERFLOW_TO_INT = "overflow promoting from unsigned/double to signed arithmetic value"


def to_int(x):
    """A count promoted to an int: one above the int range is Zeek's
    non-fatal "overflow promoting" error and no value (``check_and_promote``
    in src/Val.cc, reached from ``ArithCoerceExpr`` and record coercion)."""
    if type(x) is int and x > _INT_MAX:
        sink = TYPE_ERRORS[0]
        if sink is not None:
            sink(_OVERFLOW_TO_INT, "int", Boxed(COUNT, x), 3)
        return None
    return x


def _int_promoted(vec) -> list:
    return [None if type(x) is int and x > _INT_MAX else x for x in vec]


_ARITH = {
    "==": lambda x, y: x == y,
    "!=": lambda x, y: x != y,
    "<": lambda x, y: x < y,
    "<=": lambda x, y: x <= y,
    ">": lambda x, y: x > y,
    ">=": lambda x, y: x >= y,
    "&&": lambda x, y: x and y,
    "||": lambda x, y: x or y,
    "&": lambda x, y: x & y,
    "|": lambda x, y: x | y,
    "^": lambda x, y: x ^ y,
    "<<": lambda x, y: (x << y) & M64,
    ">>": lambda x, y: x >> y,
    "+": lambda x, y: x + y,
    "-": lambda x, y: x - y,
    "*": lambda x, y: x * y,
    "/": lambda x, y: x // y if isinstance(x, int) and isinstance(y, int) else x / y,
    "%": lambda x, y: x % y,
}


def vcond(cond, a, b, t):
    if not (len(cond) == len(a) == len(b)):
        raise ScriptError("vector operands are of different sizes")
    return Vector(t, [x if c else y for c, x, y in zip(cond, a, b, strict=True)])


def strindex(s: str, i: int) -> str:
    n = len(s)
    if i < 0:
        i += n
    if 0 <= i < n:
        return s[i]
    return ""


def _bounds(n: int, lo, hi) -> tuple[int, int]:
    """Zeek's slice bounds: negative values count from the end, then clamp to [0, n]."""
    lo = 0 if lo is None else (lo + n if lo < 0 else lo)
    hi = n if hi is None else (hi + n if hi < 0 else hi)
    return min(max(lo, 0), n), min(max(hi, 0), n)


def slice_(v, lo, hi):
    lo, hi = _bounds(len(v), lo, hi)
    if isinstance(v, str):
        return v[lo:hi]
    return Vector(v.ztype, v[lo:hi])


def slice_assign(v, lo, hi, value):
    lo, hi = _bounds(len(v), lo, hi)
    v[lo:hi] = list(value)
    return value


def hasfield(r, attr: str) -> bool:
    try:
        getattr(r, attr)
    except AttributeError:
        return False
    return True


# The set operations build their result as Zeek does (``BinaryExpr::SetFold``),
# so that in Zeek order mode the result's history is Zeek's: a union is a copy
# of ``a`` plus ``b``'s elements, a difference a copy of ``a`` minus ``b``'s,
# an intersection the elements of the smaller operand (``b`` on a tie) that
# the other one holds.


def setunion(a, b):
    s = a.copy_empty()
    for k in zeekorder.keys(a):
        dict.__setitem__(s, k, None)
    for k in zeekorder.keys(b):
        zeekorder.note_insert(s, k)
        dict.__setitem__(s, k, None)
    return s


def setinter(a, b):
    s = a.copy_empty()
    if zeekorder.active():
        small, big = (a, b) if len(b) > len(a) else (b, a)
        for k in zeekorder.keys(small):
            if dict.__contains__(big, k):
                dict.__setitem__(s, k, None)
        return s
    for k in a:
        if k in b:
            dict.__setitem__(s, k, None)
    return s


def setdiff(a, b):
    s = a.copy_empty()
    if zeekorder.active():
        for k, v in zeekorder.items(a):
            dict.__setitem__(s, k, v)
        for k in zeekorder.keys(b):
            if dict.__contains__(s, k):
                zeekorder.note_remove(s, k)
                dict.__delitem__(s, k)
        return s
    for k, v in a.items():
        if k not in b:
            dict.__setitem__(s, k, v)
    return s


def subset(a, b, strict: bool) -> bool:
    if strict and len(a) >= len(b):
        return False
    return all(k in b for k in a)


def tadd(t, other):
    """``t += other`` for tables and sets (insert every element)."""
    if isinstance(t, Set):
        for k in zeekorder.keys(other):
            t.zadd(k)
    else:
        for k, v in zeekorder.items(other):
            t[k] = v
    return t


def tadd_elem(t, elem):
    t.zadd(elem)
    return t


def tremove(t, other):
    for k in list(zeekorder.keys(other)):
        t.zdelete(k)
    return t


def contains(container, x) -> bool:
    return x in container


#: The protocol bits of a port's number (Zeek's ``TCP_PORT_MASK`` ...), which ``|p|`` includes.
_PORT_MASKS = {"tcp": 0x10000, "udp": 0x20000, "icmp": 0x30000}


def size_any(v):
    """``|v|`` of an ``any``: the size of the value it holds, itself an ``any``
    (a count, or a double for the double-valued types; Zeek's SizeExpr)."""
    n = size(v)
    return box(n, DOUBLE if type(n) is float else COUNT)


def size(v):
    """``|v|`` for the types whose size is not ``len`` (Zeek's ``Val::SizeVal``)."""
    v = unbox(v)
    t = type(v)
    if t is bool:
        return int(v)
    if t is int or t is float:
        return abs(v)
    if t is Addr:
        return 32 if v.ip.version == 4 else 128
    if t is Subnet:
        return 2.0 ** (128 - subnet_bits(v)[1])
    if t is Port:
        return v.num | _PORT_MASKS.get(v.proto, 0)
    if t is EnumVal:
        return v.value
    if isinstance(v, Record):
        return len(v._rtype.fields)
    if t is ScriptFile:
        return v.size()
    ft = getattr(v, "_ztype", None)
    if isinstance(ft, FuncType):
        return len(ft.params)
    try:
        return len(v)
    except TypeError:
        return 0


def mask_addr(a, width: int):
    """``a / width`` (Zeek's ``MaskExpr``): the subnet of ``a``'s top ``width`` bits."""
    if a.ip.version == 4:
        if not 0 <= width <= 32:
            raise ScriptError(f"bad IPv4 subnet prefix length: {width & 0xFFFFFFFF}")
        width += 96
    elif not 0 <= width <= 128:
        raise ScriptError(f"bad IPv6 subnet prefix length: {width & 0xFFFFFFFF}")
    return subnet_from_bits(addr_bits(a), width)


def subnet_match(container, k):
    """The most specific subnet key of ``container`` that contains ``k`` (an
    addr or a subnet), or None: how Zeek looks up tables indexed by one
    subnet (a ``PrefixTable``)."""
    prefix, length = (addr_bits(k), 128) if type(k) is Addr else subnet_bits(k)
    best, best_len = None, -1
    for key in container:
        kp, kl = subnet_bits(key)
        if best_len < kl <= length and prefix & mask_bits(kl) == kp:
            best, best_len = key, kl
    return best


def subnet_in(k, container) -> bool:
    """``k in t`` for a table or set indexed by one subnet."""
    return k in container or subnet_match(container, k) is not None


def subnet_get(container, k):
    """``t[k]`` for a table indexed by one subnet: the longest matching prefix."""
    if k not in container:
        m = subnet_match(container, k)
        if m is not None:
            k = m
    return container[k]


def rcoerce(r, cls):
    """Coerce a record to another record type with the same field names."""
    if r is None:
        return r
    out = cls._zmake({k: v for k, v in r.__dict__.items() if k[2:] in cls._rtype.field_map})
    return out


# ------------------------------------------------------------- as / is on any


def _compatible(actual: Type | None, target: Type) -> bool:
    if actual is None:
        return False
    if target.tag == "any":
        return True
    if actual.tag != target.tag:
        return False
    if isinstance(target, RecordType | TableType | VectorType | FuncType):
        return (
            same_type(actual, target)
            or actual.tag == target.tag
            and (isinstance(target, VectorType) and (actual.elem is None or target.elem is None))
        )
    if target.tag == "enum":
        return actual is target
    return True


def is_(v, t: Type) -> bool:
    data = received_data(v)
    if data is not None and t.tag != "any" and getattr(t, "name", None) != "Broker::Data":
        return data.can_cast_to(t)
    return _compatible(type_of(v), t)


def typecase(v, cases, default: int) -> int:
    t = type_of(v)
    for ct, i in cases:
        if _compatible(t, ct):
            return i
    return default


def any_eq(a, b) -> bool:
    return unbox(a) == unbox(b)


def assert_fail(cond_text: str, msg) -> None:
    detail = msg if msg is not None else None
    raise AssertionFailure(f"assertion failure: {cond_text}", detail)


def setdefault_(cls, name: str, fn, creation: bool) -> None:
    f = cls._rtype.field_map[name]
    f.default = fn
    f.creation = creation
    cls.refresh()


def hasattr_field(r, name):
    return hasfield(r, field_attr(name))


def print_escape(s: str) -> str:
    return escape_bytes(s)


def write_stdout(text: str) -> None:
    sys.stdout.write(text + "\n")


HELPERS = {
    "_z_csub": csub,
    "_z_cdec": cdec,
    "_z_idiv": idiv,
    "_z_imod": imod,
    "_z_incattr": incattr,
    "_z_incitem": incitem,
    "_z_incvec": incvec,
    "_z_setitem": setitem,
    "_z_setattr": setattr_,
    "_z_vset": vector_assign,
    "_z_vset_value": vset_value,
    "_z_vget": vget,
    "_z_vmask": vmask,
    "_z_vindices": vindices,
    "_z_vitems": vitems,
    "_z_vin": vin,
    "_z_vdelete": vdelete,
    "_z_vappend": vappend,
    "_z_vextend": vextend,
    "_z_each": Each,
    "_z_cross": cross,
    "_z_cross_items": cross_items,
    "_z_vextend_typed": vextend_typed,
    "_z_vget_any": vget_any,
    "_z_vitems_any": vitems_any,
    "_z_vappend_any": vappend_any,
    "_z_vset_any": vset_any,
    "_z_vcoerce": vcoerce,
    "_z_vneg": vneg,
    "_z_varith": varith,
    "_z_vcond": vcond,
    "_z_strindex": strindex,
    "_z_slice": slice_,
    "_z_slice_assign": slice_assign,
    "_z_hasfield": hasfield,
    "_z_setunion": setunion,
    "_z_setinter": setinter,
    "_z_setdiff": setdiff,
    "_z_subset": subset,
    "_z_tadd": tadd,
    "_z_tadd_elem": tadd_elem,
    "_z_tremove": tremove,
    "_z_contains": contains,
    "_z_size": size,
    "_z_size_any": size_any,
    "_z_rcoerce": rcoerce,
    "_z_to_int": to_int,
    "_z_mask_addr": mask_addr,
    "_z_noreturn": noreturn,
    "_z_fprint": print_to,
    "_z_subnet_in": subnet_in,
    "_z_subnet_get": subnet_get,
    "_z_is": is_,
    "_z_as": cast_value,
    "_z_from_any": coerce_from_any,
    "_z_can_as": can_cast_value,
    "_z_typecase": typecase,
    "_z_any_eq": any_eq,
    "_z_unbox": unbox,
    "_z_box": box,
    "_z_copy": copy_value,
    "_z_assert_fail": assert_fail,
    "_z_setdefault": setdefault_,
    "_z_esc": escape_bytes,
    "_z_Vector": Vector,
    "_z_Frame": Frame,
    "_z_Record": Record,
    "_z_Table": Table,
    "_z_TypeVal": TypeVal,
    "_z_record_class": record_class,
}
