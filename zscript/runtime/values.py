"""Runtime representation of zscript values.

Values are represented by the cheapest Python object that keeps Zeek's
semantics, because compiled code manipulates them directly:

============  ==============================================================
zscript type  Python representation
============  ==============================================================
bool          ``bool``
count, int    ``int`` (count arithmetic wraps at 2**64, as in Zeek)
double        ``float``
time          ``float`` (seconds since the epoch)
interval      ``float`` (seconds)
string        ``str`` whose characters are bytes (code points 0-255)
enum          :class:`EnumVal` (one object per enumerator)
record        an instance of the type's :class:`Record` subclass
table / set   :class:`~.containers.Table` / :class:`~.containers.Set`
vector        :class:`~.containers.Vector` (holes are ``None``)
function      a Python function carrying ``_ztype`` and ``_zname``
event, hook   :class:`~zscript.runtime.handlers.EventHandler` / ``Hook``
type          :class:`TypeVal`
any           the value itself when it knows its type, else :class:`Boxed`
============  ==============================================================

Static types decide how values are printed and compared, so the compiler
passes types along where a value's Python type is ambiguous (an ``int`` may
be a count or an int; a ``float`` a double, time or interval).  Inside
``any``, such values are wrapped in :class:`Boxed` with their type.
"""

from __future__ import annotations

from ..types import (
    ADDR,
    BOOL,
    PATTERN,
    PORT,
    STRING,
    SUBNET,
    EnumType,
    RecordType,
    Type,
    TypeType,
)
from .errors import FieldMissing

__all__ = [
    "Boxed",
    "EnumVal",
    "Record",
    "TypeVal",
    "box",
    "field_attr",
    "freeze",
    "record_class",
    "type_of",
    "unbox",
]


class Boxed:
    """A value whose Python type does not tell its zscript type, stored in ``any``."""

    __slots__ = ("t", "v")

    def __init__(self, t: Type, v):
        self.t = t
        self.v = v

    def __repr__(self) -> str:
        return f"Boxed({self.t}, {self.v!r})"


_SELF_DESCRIBING = (bool, str)

#: How a record shows itself to Python (``repr``, debuggers): Zeek's
#: rendering, filled in by :mod:`.describe`, which builds on this module.
RECORD_REPR: list = [None]


def box(v, t: Type):
    """Wrap ``v`` (of static type ``t``) for storage in an ``any``."""
    if t.tag in ("count", "int", "double", "time", "interval"):
        return Boxed(t, v)
    return v


def unbox(v):
    return v.v if type(v) is Boxed else v


class EnumVal:
    """One enumerator; compared by identity, printed by name."""

    __slots__ = ("etype", "name", "value")

    def __init__(self, etype: EnumType, name: str, value: int):
        self.etype = etype
        self.name = name
        self.value = value

    def __repr__(self) -> str:
        return self.name

    def __lt__(self, other: EnumVal) -> bool:
        return self.value < other.value

    def __le__(self, other: EnumVal) -> bool:
        return self.value <= other.value

    def __gt__(self, other: EnumVal) -> bool:
        return self.value > other.value

    def __ge__(self, other: EnumVal) -> bool:
        return self.value >= other.value

    __hash__ = object.__hash__


class TypeVal:
    """A type used as a value (``print connection``)."""

    __slots__ = ("type",)

    def __init__(self, t: Type):
        self.type = t


def field_attr(name: str) -> str:
    """Python attribute holding record field ``name`` (prefixed: never a keyword)."""
    return "f_" + name


class Record:
    """Base class of record values.

    Each :class:`~zscript.types.RecordType` gets a subclass (see
    :func:`record_class`) whose fields are instance attributes named
    ``f_<field>``.  An unset ``&optional`` field is simply absent; reading it
    raises :class:`~.errors.FieldMissing`.  A field added by ``redef record``
    after a value was created reads as its ``&default`` (computed on first
    access), as in Zeek.
    """

    __slots__ = ("__dict__", "__weakref__")
    _rtype: RecordType

    def __getattr__(self, attr: str):
        # Only called when the attribute is absent.
        if attr.startswith("f_"):
            f = self._rtype.field_map.get(attr[2:])
            if f is not None and f.default is not None:
                v = f.default()
                object.__setattr__(self, attr, v)
                return v
            raise FieldMissing(attr[2:])
        raise AttributeError(attr)

    def __repr__(self) -> str:
        show = RECORD_REPR[0]
        return show(self, self._rtype) if show is not None else object.__repr__(self)

    # Records used as table indices compare and hash by value; tables store a
    # private copy of each key (see the compiler), so the hash never changes.
    def _zkey(self) -> tuple:
        out = []
        for f in self._rtype.fields:
            try:
                out.append(freeze(getattr(self, field_attr(f.name))))
            except AttributeError:
                out.append(_UNSET)
        return tuple(out)

    def __eq__(self, other) -> bool:
        if self is other:
            return True
        if not isinstance(other, Record):
            return NotImplemented
        if other._rtype is not self._rtype and not _same_field_names(self._rtype, other._rtype):
            return False
        # Records of structurally equal types (a ``[$a=...]`` constructor and
        # the named type it matches) are the same index, as in Zeek.
        return self._zkey() == other._zkey()

    def _zhkey(self) -> tuple:
        """The part of the key that is hashed: the fields the type had when
        its records were first hashed (a later ``redef record`` adds fields
        to keys already stored in tables, whose hash must not change)."""
        cls = type(self)
        n = cls._zhash_width
        if n is None:
            n = cls._zhash_width = len(self._rtype.fields)
        out = []
        for f in self._rtype.fields[:n]:
            try:
                out.append(_hash_key(getattr(self, field_attr(f.name))))
            except AttributeError:
                out.append(_UNSET)
        return tuple(out)

    def __hash__(self) -> int:
        return hash(self._zhkey())


_UNSET = ("<unset>",)


def _same_field_names(a: RecordType, b: RecordType) -> bool:
    fa, fb = a.fields, b.fields
    return len(fa) == len(fb) and all(x.name == y.name for x, y in zip(fa, fb, strict=True))


def _hash_key(v):
    """Like :func:`freeze`, with nested records reduced to their hashed fields."""
    if isinstance(v, Record):
        return v._zhkey()
    if isinstance(v, list):
        return tuple(_hash_key(x) for x in v)
    if isinstance(v, dict):
        return frozenset((_hash_key(k), _hash_key(x)) for k, x in v.items())
    return v


def freeze(v):
    """A hashable, comparable snapshot of ``v`` (for composite table indices)."""
    if isinstance(v, Record):
        return v._zkey()
    if isinstance(v, list):
        return tuple(freeze(x) for x in v)
    if isinstance(v, dict):
        return frozenset((freeze(k), freeze(x)) for k, x in v.items())
    return v


def _zmake(cls, given: dict):
    """Create a record from ``{attr: value}``; run creation-time ``&default``s."""
    r = object.__new__(cls)
    d = r.__dict__
    d.update(given)
    for attr, fn in cls._creation:
        if attr not in d:
            d[attr] = fn()
    return r


def _refresh(cls) -> None:
    cls._creation = [
        (field_attr(f.name), f.default)
        for f in cls._rtype.fields
        if f.default is not None and f.creation
    ]


def record_class(rt: RecordType) -> type:
    """The Python class for values of ``rt`` (created on first use).

    ``cls._zmake(fields)`` creates a value; ``cls.refresh()`` must be called
    when the type's fields or defaults change (``redef record``).
    """
    cls = rt.runtime_class
    if cls is None:
        name = "R_" + "".join(c if c.isalnum() else "_" for c in (rt.name or "anon"))
        cls = type(
            name,
            (Record,),
            {
                "__slots__": (),
                "_rtype": rt,
                "_creation": [],
                "_zhash_width": None,
                "_zmake": classmethod(_zmake),
                "refresh": classmethod(_refresh),
            },
        )
        rt.runtime_class = cls
        cls.refresh()
    return cls


def type_of(v) -> Type | None:
    """The zscript type of a self-describing or boxed value (None if unknown)."""
    tv = type(v)
    if tv is Boxed:
        return v.t
    if tv is bool:
        return BOOL
    if tv is str:
        return STRING
    if isinstance(v, Record):
        return v._rtype
    zt = getattr(v, "ztype", None)
    if zt is not None:
        return zt
    if tv is EnumVal:
        return v.etype
    if tv is TypeVal:
        return TypeType(v.type)
    t = _NET_TYPES.get(tv.__name__)
    if t is not None:
        return t
    return getattr(v, "_ztype", None)


_NET_TYPES = {"Pattern": PATTERN, "Addr": ADDR, "Subnet": SUBNET, "Port": PORT}
