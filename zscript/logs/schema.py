"""Log columns: which record fields a filter logs, and how a record becomes a row.

A stream's ``columns`` record type is *unrolled* once per filter (Zeek's
``Manager::TraverseRecord``): every field with ``&log`` (a record-level
``&log`` marks all fields declared in that record) becomes a column; a field
whose type is a record is replaced by that record's logged fields, named
``outer<scope_sep>inner`` (``id.orig_h``).  The filter's ``include`` and
``exclude`` sets select by these flattened names; ``field_name_map`` then
renames columns.

A row is a tuple of *log values*, one per column, in a representation that
every writer and the cluster batch format understand without type objects:

=============================  =====================================
column type                    log value
=============================  =====================================
unset (or a parent unset)      ``None``
bool                           ``bool``
int, count, port               ``int`` (a port is its number)
double, time, interval         ``float``
string, enum, func, file       ``str`` (enum: full name, ``SSH::LOG``)
addr, subnet                   ``str`` (``10.0.0.0/24``)
set[T], vector of T            ``list`` of element values (holes ``None``)
=============================  =====================================

:class:`LogField` names a column and its Zeek type name (``time``,
``set[string]``, ``vector[count]``), as written in the ``#types`` header.
"""

from __future__ import annotations

from _socket import inet_ntoa as _inet_ntoa  # the C half of socket: quick to import
from collections.abc import Callable, Iterable, Mapping
from ipaddress import IPv4Address
from typing import NamedTuple

from ..runtime import zeekorder
from ..runtime.describe import formatter
from ..runtime.errors import ScriptError
from ..runtime.values import EnumVal, Record, field_attr, record_class
from ..types import RecordType, TableType, Type, VectorType

__all__ = [
    "Column",
    "coerce_record",
    "LogField",
    "is_loggable",
    "log_type_name",
    "row_extractor",
    "unroll",
    "value_converter",
]

_ATOMIC = frozenset(
    ("bool", "int", "count", "double", "time", "interval", "string", "port", "addr",
     "subnet", "enum", "func", "file")
)  # fmt: skip


class LogField(NamedTuple):
    """One column of a log: its name and Zeek type name."""

    name: str
    type: str


class Column(NamedTuple):
    """A column and where its value comes from in a record."""

    field: LogField
    #: Record attribute names leading to the value (``("f_id", "f_orig_h")``).
    attrs: tuple[str, ...]
    #: Converts the field's value to its log value.
    convert: Callable


def _element_type(t: Type) -> Type | None:
    if isinstance(t, TableType):
        return t.indices[0] if t.is_set and len(t.indices) == 1 else None
    if isinstance(t, VectorType):
        return t.elem
    return None


def is_loggable(t: Type) -> bool:
    """Whether a (non-record) field of type ``t`` can be a log column."""
    if t.tag in _ATOMIC:
        return True
    elem = _element_type(t)
    return elem is not None and elem.tag in _ATOMIC


def log_type_name(t: Type) -> str:
    """Zeek's type name for a column (``threading::Field::TypeName``)."""
    if isinstance(t, TableType):
        return f"set[{t.indices[0].tag}]"
    if isinstance(t, VectorType):
        return f"vector[{t.elem.tag}]"
    return t.tag


def _identity(v):
    return v


def _enum_name(v) -> str:
    return v.name if type(v) is EnumVal else str(v)


def _port_num(v) -> int:
    return v.num


def _addr_text(v) -> str:
    """``str(addr)``; IPv4 formatted by ``inet_ntoa`` (``ipaddress`` is slow at it)."""
    ip = v.ip
    if type(ip) is IPv4Address:
        return _inet_ntoa(ip.packed)
    return str(v)


_ATOM_CONVERTERS: dict[str, Callable] = {
    "enum": _enum_name,
    "port": _port_num,
    "addr": _addr_text,
    "subnet": str,
    "file": lambda f: f.name,  # a file is logged as its name (Zeek's ValToLogVal)
}


def _atom_converter(t: Type) -> Callable | None:
    # A function is logged as its description, as ``print`` shows it (Zeek's
    # ``Func::Describe``); the writers do their own escaping.
    return formatter(t) if t.tag == "func" else _ATOM_CONVERTERS.get(t.tag)


def value_converter(t: Type) -> Callable:
    """A function from a value of type ``t`` to its log value (not ``None``)."""
    elem = _element_type(t)
    if elem is None:
        return _atom_converter(t) or _identity
    conv = _atom_converter(elem)
    if isinstance(t, VectorType):
        if conv is None:
            return list
        return lambda v: [None if x is None else conv(x) for x in v]
    # A set's elements in its iteration order (Zeek's, in Zeek order mode).
    if conv is None:
        return lambda v: list(zeekorder.keys(v))
    return lambda v: [conv(x) for x in zeekorder.keys(v)]


def unroll(
    rt: RecordType,
    *,
    scope_sep: str = ".",
    include: Iterable[str] | None = None,
    exclude: Iterable[str] | None = None,
    name_map: Mapping[str, str] | None = None,
    prefix: str = "",
) -> list[Column]:
    """The logged columns of record type ``rt``.

    :param prefix: prepended to every column name (extension fields use the
        filter's ``ext_prefix``); ``include``/``exclude`` see the names
        without it, ``name_map`` (``field_name_map``) with it.
    :raises TypeError: a logged field has a type no writer can log.
    """
    inc = set(include) if include is not None else None
    exc = set(exclude) if exclude is not None else None
    out: list[Column] = []
    _traverse(rt, "", (), scope_sep, inc, exc, out)
    if not name_map and not prefix:
        return out
    renamed = []
    for c in out:
        name = prefix + c.field.name
        if name_map:
            name = name_map.get(name, name)
        renamed.append(c._replace(field=LogField(name, c.field.type)))
    return renamed


def _traverse(rt, path, attrs, sep, inc, exc, out) -> None:
    for f in rt.fields:
        if not f.log:
            continue
        name = f.name if not path else path + sep + f.name
        chain = (*attrs, field_attr(f.name))
        if isinstance(f.type, RecordType):
            _traverse(f.type, name, chain, sep, inc, exc, out)
            continue
        if not is_loggable(f.type):
            raise TypeError(f"unsupported field type for log column ({name}: {f.type})")
        if inc is not None and name not in inc:
            continue
        if exc is not None and name in exc:
            continue
        out.append(Column(LogField(name, log_type_name(f.type)), chain, value_converter(f.type)))


def row_extractor(columns: list[Column]) -> Callable:
    """A function from a record (of the unrolled type) to its row tuple.

    The function is generated Python code (one ``getattr`` per field and
    nesting level, a conversion call only where the log value differs from
    the value), because it runs for every record written::

        def extract(r):
            v0 = getattr(r, 'f_ts', None)
            p0 = getattr(r, 'f_id', None)
            v1 = None if p0 is None else getattr(p0, 'f_orig_h', None)
            if v1 is not None: v1 = c1(v1)
            ...
            return (v0, v1, ...)
    """
    lines = ["def extract(r):"]
    env: dict = {}
    parents: dict[tuple[str, ...], str] = {}
    values = []
    for i, c in enumerate(columns):
        holder = "r"
        for depth in range(1, len(c.attrs)):
            prefix = c.attrs[:depth]
            var = parents.get(prefix)
            if var is None:
                var = parents[prefix] = f"p{len(parents)}"
                lines.append(f"    {var} = {_get(holder, prefix[-1])}")
            holder = var
        lines.append(f"    v{i} = {_get(holder, c.attrs[-1])}")
        inline = _INLINE.get(c.convert)
        if inline is not None:
            lines.append(f"    if v{i} is not None: v{i} = {inline.format(f'v{i}')}")
        elif c.convert is not _identity:
            env[f"c{i}"] = c.convert
            lines.append(f"    if v{i} is not None: v{i} = c{i}(v{i})")
        values.append(f"v{i}")
    lines.append(f"    return ({', '.join(values)}{',' if len(values) == 1 else ''})")
    exec(compile("\n".join(lines), "<log row extractor>", "exec"), env)
    return env["extract"]


#: Converters the generated extractor writes out instead of calling.
_INLINE = {_port_num: "{0}.num"}


def _get(holder: str, attr: str) -> str:
    if holder == "r":
        return f"getattr(r, {attr!r}, None)"
    return f"None if {holder} is None else getattr({holder}, {attr!r}, None)"


_FLOATS = frozenset(("double", "time", "interval"))


def coerce_record(rec, rt: RecordType, *, allow_orphans: bool = False, report=None):
    """``rec`` as a value of record type ``rt`` (Zeek's ``RecordVal::CoerceTo``).

    Fields are matched by name, nested records coerced likewise; a record of
    type ``rt`` is returned as is.  Used for ``Log::write`` arguments built
    with ``[$a=..., ...]`` and for the record a ``path_func`` declares.

    A field ``rt`` lacks (unless ``allow_orphans``) or a missing non-optional
    field is reported through ``report(message)`` and coercion goes on, as
    in Zeek (the field is left out, so it logs as unset); without ``report``
    it raises :class:`ScriptError`.

    :raises ScriptError: ``rec`` is not a record.
    """
    if not isinstance(rec, Record):
        raise ScriptError("incompatible log record type")
    src = rec._rtype
    if src is rt:
        return rec

    def problem(msg: str) -> None:
        if report is None:
            raise ScriptError(msg)
        report(msg)

    given = {}
    fmap = rt.field_map
    for f in src.fields:
        tf = fmap.get(f.name)
        if tf is None:
            if not allow_orphans:
                problem(f'orphan field "{f.name}" in initialization')
            continue
        attr = field_attr(f.name)
        v = getattr(rec, attr, None)
        if v is None:
            continue
        if isinstance(tf.type, RecordType):
            v = coerce_record(v, tf.type, allow_orphans=allow_orphans, report=report)
        elif type(v) is int and tf.type.tag in _FLOATS:
            v = float(v)
        given[attr] = v
    for f in rt.fields:
        if f.default is None and not f.optional and field_attr(f.name) not in given:
            problem(f'non-optional field "{f.name}" missing in initialization')
    return record_class(rt)._zmake(given)
