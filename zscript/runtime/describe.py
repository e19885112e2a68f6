"""Zeek's textual rendering of values (``print``, ``fmt("%s")``, ``cat``).

:func:`formatter` returns, for a static type, a function from a value of
that type to its text; formatters are built once per type and cached, so
``print`` in a loop costs one call per argument.  The rules follow Zeek's
``Val::Describe`` in readable mode:

* doubles and times use Zeek's ``double_to_str`` with precision 6 (fixed
  notation with trailing zeros removed and ``.0`` added to integral values;
  scientific above 2**31-1 and below 1e-6);
* intervals are broken into ``day``/``hr``/``min``/``sec``/``msec``/``usec``;
* records print as ``[a=1, b=<uninitialized>]``;
* tables and sets print one element per line between ``{`` and ``}``;
* vectors print as ``[1, , 3]`` (holes are empty);
* at the top level of ``print``, strings escape bytes outside 32..126 as
  ``\\xNN``; :func:`describe_raw` leaves them as they are (``fmt``, ``cat``).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable

from ..numfmt import format_double, format_interval
from ..types import FuncType, RecordType, TableType, Type, VectorType
from . import values, zeekorder
from .values import Boxed, EnumVal, Record, TypeVal, field_attr, type_of

__all__ = [
    "FUNCTION_TEXT",
    "describe",
    "describe_raw",
    "escape_bytes",
    "format_double",
    "format_interval",
    "formatter",
    "one_line",
]

_NEEDS_ESCAPE = re.compile(r"[^\x20-\x7e]")


def _hex(m: re.Match) -> str:
    return "\\x%02x" % ord(m.group(0))


def escape_bytes(s: str) -> str:
    """Escape bytes outside printable ASCII as ``\\xNN`` (Zeek's EXPANDED_STRING)."""
    if _NEEDS_ESCAPE.search(s) is None:
        return s
    return _NEEDS_ESCAPE.sub(_hex, s)


def _fmt_bool(v) -> str:
    return "T" if v else "F"


def _any_formatter(esc: bool) -> Callable:
    def fmt(v) -> str:
        if type(v) is Boxed:
            return formatter(v.t, esc)(v.v)
        t = type_of(v)
        if t is None:
            return "<uninitialized>" if v is None else str(v)
        return formatter(t, esc)(v)

    return fmt


def _fmt_enum(v) -> str:
    return v.name if type(v) is EnumVal else str(v)


def _fmt_count(v) -> str:
    return str(v)


def _fmt_time(v) -> str:
    return format_double(v)


#: ids of the aggregates being rendered (to print ``<cycle>`` for a cycle).
_ACTIVE: set[int] = set()


def _guarded(fmt: Callable) -> Callable:
    def wrapper(v) -> str:
        key = id(v)
        if key in _ACTIVE:
            return "<cycle>"
        _ACTIVE.add(key)
        try:
            return fmt(v)
        finally:
            _ACTIVE.discard(key)

    return wrapper


def _record_formatter(rt: RecordType, esc: bool) -> Callable:
    @_guarded
    def fmt(r) -> str:
        if not isinstance(r, Record):
            return _any_formatter(esc)(r)
        parts = []
        d = r.__dict__
        for f in r._rtype.fields:
            attr = field_attr(f.name)
            if attr in d:
                v = d[attr]
            else:
                try:
                    v = getattr(r, attr)
                except AttributeError:
                    parts.append(f"{f.name}=<uninitialized>")
                    continue
            parts.append(f"{f.name}={formatter(f.type, esc)(v)}")
        return "[" + ", ".join(parts) + "]"

    return fmt


def _key_text(index_types: list[Type], key, esc: bool) -> str:
    if len(index_types) == 1:
        return formatter(index_types[0], esc)(key)
    return ", ".join(formatter(t, esc)(k) for t, k in zip(index_types, key, strict=False))


def _table_formatter(tt: TableType, esc: bool) -> Callable:
    @_guarded
    def fmt(t) -> str:
        if len(t) == 0:
            return "{\n\n}"
        idx = getattr(t, "ztype", tt).indices or tt.indices
        yt = getattr(t, "ztype", tt).yield_ or tt.yield_
        if tt.is_set:
            lines = [
                _key_text(idx, k, esc) if len(idx) == 1 else f"[{_key_text(idx, k, esc)}]"
                for k in zeekorder.keys(t)
            ]
        else:
            yf = formatter(yt, esc) if yt is not None else _any_formatter(esc)
            lines = [f"[{_key_text(idx, k, esc)}] = {yf(v)}" for k, v in zeekorder.items(t)]
        if not esc:
            # fmt/cat describe into a buffer, where Zeek indents each element
            # by a tab per nesting level; a bare string element is added raw,
            # without the tab.
            bare = tt.is_set and len(idx) == 1 and idx[0].tag == "string"
            lines = [(ln if bare else "\t" + ln).replace("\n", "\n\t") for ln in lines]
        return "{\n" + ",\n".join(lines) + "\n}"

    return fmt


def _vector_formatter(vt: VectorType, esc: bool) -> Callable:
    @_guarded
    def fmt(v) -> str:
        elem = getattr(v, "ztype", vt).elem or vt.elem
        ef = formatter(elem, esc) if elem is not None else _any_formatter(esc)
        return "[" + ", ".join("" if x is None else ef(x) for x in v) + "]"

    return fmt


#: Zeek's text of a script function with its body (installed by the compiler,
#: which knows the declarations): a callable(function, one_line) -> str or None.
FUNCTION_TEXT: list = [lambda f, one_line=False: None]

#: True while a message is being written (see :func:`one_line`).
_ONE_LINE = [False]


@contextlib.contextmanager
def one_line():
    """Describe values as Zeek's messages do: a function's body on one line
    (``f: function(k:string) : string{ return (k)}``, Zeek's short ``ODesc``)."""
    saved = _ONE_LINE[0]
    _ONE_LINE[0] = True
    try:
        yield
    finally:
        _ONE_LINE[0] = saved


def _func_formatter(ft: FuncType) -> Callable:
    def fmt(f) -> str:
        text = FUNCTION_TEXT[0](f, _ONE_LINE[0])
        if text is not None:
            return text
        name = getattr(f, "_zname", None) or getattr(f, "name", None) or "<function>"
        return str(name)

    return fmt


def _type_formatter(v) -> str:
    if type(v) is TypeVal:
        return v.type.display() if v.type.name else v.type.describe()
    return str(v)


_BASIC: dict[str, Callable] = {
    "bool": _fmt_bool,
    "count": _fmt_count,
    "int": _fmt_count,
    "double": format_double,
    "time": _fmt_time,
    "interval": format_interval,
    "enum": _fmt_enum,
    "addr": str,
    "subnet": str,
    "port": str,
    "pattern": str,
    "void": lambda v: "<void>",
    "error": str,
    "type": _type_formatter,
    # An opaque value may know how Zeek prints it (Broker::Data: broker::data{...}).
    "opaque": lambda v: v.zeek_describe() if hasattr(v, "zeek_describe") else f"<opaque of {v}>",
    "file": str,
}

_CACHE: dict[tuple[int, bool], Callable] = {}


def formatter(t: Type, escape: bool = False) -> Callable:
    """A function rendering values of static type ``t``.

    :param escape: escape unprintable string bytes, as ``print`` does.
    """
    key = (id(t), escape)
    f = _CACHE.get(key)
    if f is not None:
        return f
    tag = t.tag
    if tag == "string":
        f = escape_bytes if escape else str
    elif tag == "any":
        f = _any_formatter(escape)
    elif tag in _BASIC:
        f = _BASIC[tag]
    elif isinstance(t, RecordType):
        f = _record_formatter(t, escape)
    elif isinstance(t, TableType):
        f = _table_formatter(t, escape)
    elif isinstance(t, VectorType):
        f = _vector_formatter(t, escape)
    elif isinstance(t, FuncType):
        f = _func_formatter(t)
    else:
        f = str
    _CACHE[key] = f
    # Keep the type alive while its formatter is cached (ids must stay unique).
    _KEEP.append(t)
    return f


_KEEP: list[Type] = []


def describe_raw(v, t: Type) -> str:
    """Render ``v`` as ``fmt("%s")`` and ``cat`` do."""
    return formatter(t)(v)


def describe(v, t: Type) -> str:
    """Render ``v`` as ``print`` does (escaping unprintable bytes)."""
    return formatter(t, True)(v)


values.RECORD_REPR[0] = describe
