"""Static types of the zscript language (Zeek's type system).

Types are plain Python objects created by the checker and consulted by the
compiler and the runtime (printing, coercion, ``type_name``).  Atomic types are
singletons (:data:`BOOL`, :data:`COUNT`, ...).  Composite types are built by
constructors (:class:`TableType`, :class:`VectorType`, ...).  Record and enum
types are *mutable*: ``redef record R += {...}`` and ``redef enum E += {...}``
extend them in place, and every value already created sees the new fields or
names, as in Zeek.

``str(t)`` renders a type exactly as Zeek's ``type_name()`` does, e.g.
``table[count,string] of vector of count`` or ``function(a:string) : void``.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "ADDR",
    "ANY",
    "BOOL",
    "COUNT",
    "DOUBLE",
    "ERROR",
    "INT",
    "INTERVAL",
    "PATTERN",
    "PORT",
    "STRING",
    "SUBNET",
    "TIME",
    "VOID",
    "BasicType",
    "EnumType",
    "Field",
    "FileType",
    "FuncType",
    "ListType",
    "OpaqueType",
    "Param",
    "RecordType",
    "TableType",
    "Type",
    "TypeType",
    "VectorType",
    "can_cast",
    "container_type_name",
    "is_index_vec",
    "is_numeric",
    "max_numeric",
    "same_type",
]


class Type:
    """Base class of every type; ``tag`` names the kind (``"count"``, ``"table"``...)."""

    tag: str = "?"
    #: Name given by a ``type X: ...;`` declaration, if any.
    name: str | None = None
    #: Every name declared for this type (``type B: A;`` makes ``B`` another
    #: name of ``A``'s type): Zeek's type aliases, for ``type_aliases``.  The
    #: set is shared with the copies such a declaration makes of a basic type.
    aliases: set[str] | None = None

    def describe(self) -> str:  # pragma: no cover - overridden
        return self.tag

    def __str__(self) -> str:
        # Zeek's Type::Describe: a named type is written by its name, also
        # inside another type (``table[string] of ResultTable``).
        return self.name or self.describe()

    def __repr__(self) -> str:
        return f"<type {self.describe()}>"

    @property
    def is_aggregate(self) -> bool:
        return self.tag in ("table", "vector", "record")

    def display(self) -> str:
        """The type's declared name when it has one, else its description."""
        return self.name or self.describe()


class BasicType(Type):
    def __init__(self, tag: str):
        self.tag = tag

    def describe(self) -> str:
        return self.tag


BOOL = BasicType("bool")
COUNT = BasicType("count")
INT = BasicType("int")
DOUBLE = BasicType("double")
STRING = BasicType("string")
TIME = BasicType("time")
INTERVAL = BasicType("interval")
ADDR = BasicType("addr")
PORT = BasicType("port")
SUBNET = BasicType("subnet")
PATTERN = BasicType("pattern")
ANY = BasicType("any")
VOID = BasicType("void")
#: Type of an expression that already produced an error; compatible with everything.
ERROR = BasicType("error")

BASIC_TYPES = {
    t.tag: t
    for t in (
        BOOL,
        COUNT,
        INT,
        DOUBLE,
        STRING,
        TIME,
        INTERVAL,
        ADDR,
        PORT,
        SUBNET,
        PATTERN,
        ANY,
        VOID,
    )
}


class ListType(Type):
    """Internal: the type of an index list or of an untyped ``[a, b]`` constructor."""

    tag = "list"

    def __init__(self, types: list[Type]):
        self.types = types

    def describe(self) -> str:
        return ",".join(str(t) for t in self.types)


class TableType(Type):
    """``table[I...] of Y``; a set is a table whose ``yield_`` is ``None``."""

    tag = "table"

    def __init__(self, indices: list[Type], yield_: Type | None):
        self.indices = indices
        self.yield_ = yield_

    @property
    def is_set(self) -> bool:
        return self.yield_ is None

    @property
    def is_unspecified(self) -> bool:
        """``set()`` / ``table()`` without a known element type."""
        return not self.indices

    def describe(self) -> str:
        if not self.indices:
            # The type of an empty ``set()`` / ``table()`` constructor.
            return "set()" if self.yield_ is None else "table()"
        idx = ",".join(str(t) for t in self.indices)
        if self.yield_ is None:
            return f"set[{idx}]"
        return f"table[{idx}] of {self.yield_}"


class VectorType(Type):
    tag = "vector"

    def __init__(self, elem: Type | None):
        self.elem = elem  # None for an unspecified ``vector()``

    def describe(self) -> str:
        return f"vector of {self.elem}" if self.elem is not None else "vector()"


class Field:
    """A record field: name, type and attributes (``{"&optional": None, "&default": expr}``)."""

    __slots__ = ("attrs", "creation", "default", "name", "type")

    def __init__(self, name: str, type: Type, attrs: dict[str, Any] | None = None):
        self.name = name
        self.type = type
        self.attrs = attrs or {}
        #: Compiled default: a zero-argument callable producing a fresh value, or None.
        self.default = None
        #: True when the default must be computed when a record is created (a
        #: non-constant ``&default``); otherwise it is computed on first access.
        self.creation = False

    @property
    def optional(self) -> bool:
        return "&optional" in self.attrs

    @property
    def has_default(self) -> bool:
        return "&default" in self.attrs

    @property
    def log(self) -> bool:
        return "&log" in self.attrs


class RecordType(Type):
    tag = "record"

    def __init__(self, fields: list[Field], name: str | None = None):
        self.fields: list[Field] = []
        self.field_map: dict[str, Field] = {}
        self.name = name
        #: Runtime class for values of this type; created lazily by the runtime.
        self.runtime_class: Any = None
        for f in fields:
            self.add_field(f)

    def add_field(self, f: Field) -> None:
        self.fields.append(f)
        self.field_map[f.name] = f
        if self.runtime_class is not None:
            self.runtime_class.refresh()

    def field(self, name: str) -> Field | None:
        return self.field_map.get(name)

    def describe(self) -> str:
        if self.name:
            return self.name
        return self.describe_fields()

    def describe_fields(self) -> str:
        inner = " ".join(f"{f.name}:{f.type.display()};" for f in self.fields)
        return f"record {{ {inner} }}"


class EnumType(Type):
    tag = "enum"

    def __init__(self, name: str | None = None):
        self.name = name
        #: Full enumerator name -> value object (created by the runtime, see runtime.values).
        self.values: dict[str, Any] = {}
        self.next_value = 0

    def describe(self) -> str:
        return self.name or "enum"


#: Renders an attribute's value expression in type descriptions; the syntax
#: layer installs its expression printer here.
ATTR_TEXT: list = [str]


class Param:
    __slots__ = ("attrs", "name", "type")

    def __init__(self, name: str, type: Type, attrs: dict[str, Any] | None = None):
        self.name = name
        self.type = type
        self.attrs = attrs or {}

    @property
    def default(self):
        return self.attrs.get("&default")


class FuncType(Type):
    """``function(...) : R``, ``event(...)`` or ``hook(...)`` (``flavor``)."""

    tag = "func"

    def __init__(self, flavor: str, params: list[Param], ret: Type, varargs: bool = False):
        self.flavor = flavor
        self.params = params
        self.ret = ret
        #: Built-in functions only: accepts any number of trailing ``any`` arguments.
        self.varargs = varargs
        #: Alternate prototypes of an event or hook (Zeek's ``global e: event(...)`` repeats).
        self.prototypes: list[FuncType] = []
        #: Built-in functions only: returns its result asynchronously (``when`` only).
        self.is_async = False

    def describe(self) -> str:
        parts = []
        text = ATTR_TEXT[0]
        for p in self.params:
            s = f"{p.name}:{p.type.display()}"
            extra = [
                a if v is None else f"{a}={text(v)}" for a, v in p.attrs.items() if a != "&default"
            ]
            if "&default" in p.attrs:
                # Zeek lists a parameter with a default as optional too.
                extra[:0] = [f"&default={text(p.attrs['&default'])}", "&optional"]
            if extra:
                s += " " + ", ".join(extra)
            parts.append(s)
        args = ", ".join(parts)
        if self.flavor == "event":
            return f"event({args})"
        if self.flavor == "hook":
            return f"hook({args}) : bool"
        return f"function({args}) : {self.ret.display()}"


class TypeType(Type):
    """The type of an expression naming a type (``print connection``)."""

    tag = "type"

    def __init__(self, type: Type):
        self.type = type

    def describe(self) -> str:
        return f"type {self.type}"


class OpaqueType(Type):
    tag = "opaque"

    def __init__(self, name: str):
        self.opaque_name = name

    def describe(self) -> str:
        return f"opaque of {self.opaque_name}"


class FileType(Type):
    tag = "file"

    def __init__(self, elem: Type):
        self.elem = elem

    def describe(self) -> str:
        return f"file of {self.elem.describe()}"


_NUMERIC_RANK = {"count": 0, "int": 1, "double": 2}


def is_numeric(t: Type) -> bool:
    return t.tag in _NUMERIC_RANK


def max_numeric(a: Type, b: Type) -> Type:
    """The type both numeric operands are promoted to (count < int < double)."""
    ra, rb = _NUMERIC_RANK[a.tag], _NUMERIC_RANK[b.tag]
    return a if ra >= rb else b


def same_type(a: Type | None, b: Type | None, *, match_names: bool = False) -> bool:
    """Zeek's structural type equality (parameter names of functions are ignored)."""
    if a is b:
        return True
    if a is None or b is None:
        return False
    # As Zeek's ``same_type``: ``any`` matches every type (so a handler may
    # declare a concrete type where the declaration says ``any``).
    if a.tag in ("error", "any") or b.tag in ("error", "any"):
        return True
    if a.tag != b.tag:
        return False
    if isinstance(a, BasicType):
        return True
    if isinstance(a, TableType) and isinstance(b, TableType):
        if a.is_set != b.is_set or len(a.indices) != len(b.indices):
            return False
        if not all(same_type(x, y) for x, y in zip(a.indices, b.indices, strict=True)):
            return False
        return a.yield_ is None or same_type(a.yield_, b.yield_)
    if isinstance(a, VectorType) and isinstance(b, VectorType):
        if a.elem is None or b.elem is None:
            return True
        return same_type(a.elem, b.elem)
    if isinstance(a, RecordType) and isinstance(b, RecordType):
        if a.name and b.name and a.name != b.name:
            return False
        if len(a.fields) != len(b.fields):
            return False
        return all(
            fa.name == fb.name and same_type(fa.type, fb.type)
            for fa, fb in zip(a.fields, b.fields, strict=True)
        )
    if isinstance(a, EnumType):
        return a is b
    if isinstance(a, FuncType) and isinstance(b, FuncType):
        if a.flavor != b.flavor or len(a.params) != len(b.params):
            return False
        if not all(same_type(x.type, y.type) for x, y in zip(a.params, b.params, strict=True)):
            return False
        if a.flavor == "function":
            return same_type(a.ret, b.ret)
        return True
    if isinstance(a, ListType) and isinstance(b, ListType):
        return len(a.types) == len(b.types) and all(
            same_type(x, y) for x, y in zip(a.types, b.types, strict=True)
        )
    if isinstance(a, TypeType) and isinstance(b, TypeType):
        return same_type(a.type, b.type)
    if isinstance(a, OpaqueType) and isinstance(b, OpaqueType):
        return a.opaque_name == b.opaque_name
    return isinstance(a, FileType)


def is_index_vec(t: Type) -> bool:
    """``vector of count`` (Zeek's ``index_vec``, what an address converts to)."""
    return isinstance(t, VectorType) and t.elem is not None and t.elem.tag == "count"


def _set_vector_pair(s: Type, t: Type) -> bool:
    """A one-index set and a vector of the same element type, either way round."""
    if isinstance(s, VectorType) and isinstance(t, TableType):
        s, t = t, s
    if not (isinstance(s, TableType) and s.is_set and isinstance(t, VectorType)):
        return False
    return len(s.indices) == 1 and t.elem is not None and same_type(s.indices[0], t.elem)


#: Target tags of the value conversions ``as`` allows, by source tag
#: (``can_cast_basic_types`` in Zeek's src/Val.cc).
_BASIC_CASTS = {
    "string": {"double", "time", "interval", "int", "count", "addr", "subnet", "port"},
    "int": {"count", "double", "time", "interval"},
    "double": {"int", "count", "time", "interval"},
    "count": {"int", "double", "time", "interval", "addr"},
    "enum": {"count", "int"},
    "interval": {"double"},
    "time": {"double"},
    "subnet": {"addr", "count"},
    "port": {"count"},
}


def can_cast(s: Type, t: Type) -> bool:
    """Whether ``x as t`` is allowed for ``x`` of static type ``s``
    (``can_cast_type_to_type`` in Zeek's src/Val.cc)."""
    if same_type(s, t) or _set_vector_pair(s, t):
        return True
    if t.tag in _BASIC_CASTS.get(s.tag, ()):
        return True
    if s.tag == "addr":
        return t.tag == "subnet" or is_index_vec(t)
    return is_index_vec(s) and t.tag == "addr"


def container_type_name(t: Type) -> str:
    """A type as ``record_fields`` names it: enums and records with their kind
    (``enum color``, ``set[double,record tt]``; Zeek's ``container_type_name``)."""
    if isinstance(t, RecordType):
        return f"record {t.name}" if t.name else t.describe()
    if isinstance(t, EnumType):
        return f"enum {t.name}" if t.name else "enum"
    if isinstance(t, TableType):
        idx = ",".join(container_type_name(x) for x in t.indices)
        if t.is_set:
            return f"set[{idx}]"
        return f"table[{idx}] of {container_type_name(t.yield_)}"
    if isinstance(t, VectorType) and t.elem is not None:
        return f"vector of {container_type_name(t.elem)}"
    return t.display()
