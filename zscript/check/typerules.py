"""Typing rules of Zeek's operators and assignments (pure functions over types).

The checker asks these functions what type an operator yields and whether a
value of one type may be used where another is expected.  They return
``None`` when the combination is illegal; the checker turns that into an
error message at the right span.
"""

from __future__ import annotations

from ..types import (
    ADDR,
    ANY,
    BOOL,
    COUNT,
    DOUBLE,
    ERROR,
    INT,
    INTERVAL,
    STRING,
    SUBNET,
    TIME,
    EnumType,
    Field,
    FuncType,
    RecordType,
    TableType,
    Type,
    VectorType,
    is_numeric,
    max_numeric,
    same_type,
)

__all__ = [
    "arith_result",
    "assignable",
    "bitwise_result",
    "comparable",
    "merge_types",
    "promote_numeric",
    "size_result",
]


def promote_numeric(a: Type, b: Type) -> Type | None:
    if is_numeric(a) and is_numeric(b):
        return max_numeric(a, b)
    return None


def arith_result(op: str, a: Type, b: Type) -> tuple[Type, Type] | None:
    """(result type, operand type) of ``a op b`` for + - * / %, or None."""
    ta, tb = a.tag, b.tag
    if ta == "error" or tb == "error":
        return ERROR, ERROR
    num = promote_numeric(a, b)
    if num is not None:
        if op == "%" and num.tag == "double":
            return None
        return num, num
    if op == "+":
        if ta == "string" and tb == "string":
            return STRING, STRING
        if ta == "time" and tb == "interval":
            return TIME, TIME
        if ta == "interval" and tb == "time":
            return TIME, TIME
        if ta == "interval" and tb == "interval":
            return INTERVAL, INTERVAL
    elif op == "-":
        if ta == "time" and tb == "time":
            return INTERVAL, TIME
        if ta == "time" and tb == "interval":
            return TIME, TIME
        if ta == "interval" and tb == "interval":
            return INTERVAL, INTERVAL
        if isinstance(a, TableType) and isinstance(b, TableType) and a.is_set == b.is_set:
            return a, a
        if isinstance(a, TableType) and not a.is_set and isinstance(b, TableType) and b.is_set:
            return a, a
    elif op == "*":
        if ta == "interval" and is_numeric(b):
            return INTERVAL, INTERVAL
        if is_numeric(a) and tb == "interval":
            return INTERVAL, INTERVAL
    elif op == "/":
        if ta == "addr" and tb in ("count", "int"):
            # Zeek's MaskExpr: ``1.2.3.4 / 24`` is a subnet.
            return SUBNET, ADDR
        if ta == "interval" and is_numeric(b):
            return INTERVAL, INTERVAL
        if ta == "interval" and tb == "interval":
            return DOUBLE, INTERVAL
    if isinstance(a, VectorType) and isinstance(b, VectorType) and a.elem and b.elem:
        inner = arith_result(op, a.elem, b.elem)
        if inner is None and op in ("*", "/") and "interval" in (a.elem.tag, b.elem.tag):
            # Element-wise, Zeek keeps intervals for double/interval too.
            inner = (INTERVAL, INTERVAL) if is_numeric(a.elem) or is_numeric(b.elem) else None
        if inner is not None:
            return VectorType(inner[0]), inner[1]
    return None


def bitwise_result(op: str, a: Type, b: Type) -> Type | None:
    """Result of ``& | ^ << >>``: counts (and ints for shifts); sets for ``& |``."""
    if a.tag == "error" or b.tag == "error":
        return ERROR
    if a.tag == "count" and b.tag == "count":
        return COUNT
    if op in ("&", "|") and a.tag == "pattern" and b.tag == "pattern":
        return a
    if op in ("<<", ">>") and a.tag == "int" and b.tag in ("count", "int"):
        return INT
    if (
        op in ("&", "|")
        and isinstance(a, TableType)
        and isinstance(b, TableType)
        and a.is_set
        and b.is_set
        and same_type(a, b)
    ):
        return a
    return None


def comparable(op: str, a: Type, b: Type) -> bool:
    ta, tb = a.tag, b.tag
    if ta == "error" or tb == "error":
        return True
    if is_numeric(a) and is_numeric(b):
        return True
    if (ta in ("interval", "time") and is_numeric(b)) or (
        tb in ("interval", "time") and is_numeric(a)
    ):
        return True
    if ta == tb and ta in ("string", "time", "interval", "addr", "port", "subnet"):
        return True
    if ta == tb == "enum":
        return a is b or op in ("==", "!=")
    if op in ("==", "!="):
        if ta == tb and ta in ("bool", "pattern", "func", "opaque", "type"):
            return True
        if {ta, tb} == {"pattern", "string"}:
            return True
        if ta == tb == "table" and same_type(a, b):
            return True
        if ta == tb == "record" and same_type(a, b):
            return True
        if ta == "any" or tb == "any":
            return True
    return ta == tb == "table" and isinstance(a, TableType) and a.is_set and same_type(a, b)


def size_result(t: Type) -> Type | None:
    """Type of ``|x|``."""
    tag = t.tag
    if tag in (
        "string",
        "table",
        "vector",
        "count",
        "bool",
        "enum",
        "addr",
        "port",
        "pattern",
        "record",
    ):
        return COUNT
    if tag == "int":
        return COUNT
    if tag in ("double", "time", "interval", "subnet", "file"):
        # Zeek sizes every double-valued type as a double (``|-3 min|`` is 180.0),
        # a subnet by its number of addresses and a file by its size in bytes.
        return DOUBLE
    if tag == "any":
        # Known only at run time (Zeek's SizeExpr): the result is an ``any``.
        return ANY
    if tag in ("error", "func", "opaque"):
        return COUNT
    return None


def assignable(dst: Type, src: Type) -> bool:
    """May a value of static type ``src`` be stored where ``dst`` is expected?

    (Constructor coercions such as ``set()`` or ``[$a=1]`` are handled by the
    checker before this is asked.)
    """
    if dst is src:
        return True
    td, ts = dst.tag, src.tag
    if td == "error" or ts == "error":
        return True
    if td == "any":
        return True
    if is_numeric(dst) and is_numeric(src):
        order = {"count": 0, "int": 1, "double": 2}
        return order[ts] <= order[td]
    if td != ts:
        return False
    if isinstance(dst, RecordType) and isinstance(src, RecordType):
        return same_type(dst, src) or _record_coercible(dst, src)
    if isinstance(dst, EnumType):
        return dst is src
    if isinstance(dst, FuncType) and isinstance(src, FuncType):
        if dst.flavor != src.flavor or len(dst.params) != len(src.params):
            return False
        if not all(same_type(p.type, q.type) for p, q in zip(dst.params, src.params, strict=True)):
            return False
        return dst.flavor != "function" or same_type(dst.ret, src.ret) or dst.ret.tag == "any"
    if isinstance(dst, TableType) and isinstance(src, TableType):
        if src.is_unspecified:
            return dst.is_set == src.is_set or src.yield_ is None
        return same_type(dst, src)
    if isinstance(dst, VectorType) and isinstance(src, VectorType):
        return (
            src.elem is None
            or dst.elem is None
            or same_type(dst.elem, src.elem)
            or (src.elem is not None and dst.elem is not None and dst.elem.tag == "any")
        )
    return same_type(dst, src)


def _record_coercible(dst: RecordType, src: RecordType) -> bool:
    """Zeek's record coercion: every source field exists in the target with a
    compatible type, and every target field missing from the source is
    ``&optional`` or has a ``&default``."""
    for f in src.fields:
        g = dst.field(f.name)
        if g is None or not assignable(g.type, f.type):
            return False
    for g in dst.fields:
        if src.field(g.name) is None and not (g.optional or g.has_default):
            return False
    return True


def merge_types(a: Type, b: Type) -> Type | None:
    """The type of an untyped initializer whose elements have types ``a``
    and ``b`` (Zeek's ``merge_types`` in src/Type.cc), or None when they
    cannot be merged: numbers merge to the wider one, records to the union
    of their fields (a field only one of them has becomes ``&optional``),
    tables element-wise; other types merge only with the same type."""
    if a is b or a.tag == "error" or b.tag == "error":
        return a
    if is_numeric(a) and is_numeric(b):
        return max_numeric(a, b)
    if a.tag != b.tag:
        return None
    if isinstance(a, RecordType) and isinstance(b, RecordType):
        if same_type(a, b):
            return a
        fields = []
        for f in a.fields:
            g = b.field(f.name)
            attrs = dict(f.attrs)
            if g is None:
                attrs["&optional"] = None
                ft = f.type
            else:
                ft = merge_types(f.type, g.type)
                if ft is None:
                    return None
                attrs.update(g.attrs)
            fields.append(Field(f.name, ft, attrs))
        fields += [
            Field(g.name, g.type, {**g.attrs, "&optional": None})
            for g in b.fields
            if a.field(g.name) is None
        ]
        return RecordType(fields)
    if isinstance(a, TableType) and isinstance(b, TableType) and not a.is_set and not b.is_set:
        if a.is_unspecified or b.is_unspecified:
            return b if a.is_unspecified else a
        if len(a.indices) != len(b.indices):
            return None
        idx = [merge_types(x, y) for x, y in zip(a.indices, b.indices, strict=True)]
        y = merge_types(a.yield_, b.yield_)
        if y is None or None in idx:
            return None
        return TableType(idx, y)
    return a if same_type(a, b) else None


# Re-exported for the checker's convenience.
BOOL_T = BOOL
ANY_T = ANY
