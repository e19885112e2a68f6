"""Built-in functions that look at the script's own identifiers.

They reach the declared globals through the bif context's
:meth:`~zscript.runtime.bifs.BifContext.script_ids`, which describes each
global identifier as a :class:`~zscript.runtime.bifs.ScriptId` (its kind,
type, flags, attributes and current value) without the runtime knowing the
checker.

``backtrace`` walks the compiled script functions on the Python stack
(:func:`~zscript.runtime.linemap.script_stack`): each element names a
function, where it was called and its parameters with the values passed
(a ``&default`` is given as ``default_val`` when it is a constant).

Provides: global_ids, lookup_ID, is_event_handled, backtrace.
"""

from __future__ import annotations

from .. import linemap
from ..bifs import bif
from ..values import box, record_class
from ._support import builtin_error, located_error, script_type

__all__ = []


def _attrs_vector(ctx, sid):
    attr_rt = script_type(ctx, "script_id_attr")
    vec_t = script_type(ctx, "script_id_attrs")
    cls = record_class(attr_rt)
    from ..containers import Vector

    items = []
    for name, value in sid.attrs:
        given = {"f_name": name}
        if value is not None:
            given["f_expr"] = value
        items.append(cls._zmake(given))
    return Vector(vec_t, items)


def _script_id(ctx, sid):
    cls = record_class(script_type(ctx, "script_id"))
    given = {
        "f_type_name": sid.type_name,
        "f_exported": sid.exported,
        "f_constant": sid.kind in ("const", "enum"),
        "f_enum_constant": sid.kind == "enum",
        "f_option_value": sid.kind == "option",
        "f_redefinable": sid.redef,
        "f_broker_backend": sid.backend,
    }
    if sid.has_value:
        v = sid.value()
        if v is not None:
            given["f_value"] = box(v, sid.type)
    if sid.attrs:
        given["f_attributes"] = _attrs_vector(ctx, sid)
    return cls._zmake(given)


@bif("global_ids", "function(): id_table", context=True)
def global_ids(ctx):
    table_t = script_type(ctx, "id_table")
    from ..containers import Table

    out = Table(table_t)
    if not ctx.in_script_function():
        located_error(ctx, "top-level global_ids() call unsupported")
        return out
    for sid in ctx.script_ids():
        out[sid.key] = _script_id(ctx, sid)
    return out


@bif("lookup_ID", "function(id: string): any", context=True)
def lookup_ID(ctx, id):  # noqa: A002 - Zeek's parameter name
    sid = ctx.script_id(id)
    if sid is None or not sid.has_value:
        return "<unknown id>"
    v = sid.value()
    if v is None:
        return "<unknown id>"
    return box(v, sid.type)


@bif("is_event_handled", "function(name: string): bool", context=True)
def is_event_handled(ctx, name):
    sid = ctx.script_id(name)
    if sid is None or sid.type is None or getattr(sid.type, "flavor", None) != "event":
        builtin_error(ctx, f"is_event_handled: '{name}' is not an event")
        return False
    return ctx.event_handled(name)


def _call_arguments(ctx, name: str, frame) -> list:
    """Zeek's ``MakeCallArgumentVector`` for a running function ``name``."""
    cls = record_class(script_type(ctx, "call_argument"))
    sid = ctx.script_id(name)
    params = getattr(getattr(sid, "type", None), "params", None) or []
    local_vars = frame.f_locals if frame is not None else {}
    out = []
    for p in params:
        given = {"f_name": p.name, "f_type_name": str(p.type)}
        d = p.attrs.get("&default")
        if d is not None and type(d).__name__ == "Const":
            given["f_default_val"] = box(d.value, p.type)
        v = local_vars.get("v_" + p.name)
        if v is not None:
            given["f_value"] = box(v, p.type)
        out.append(cls._zmake(given))
    return out


def make_backtrace(ctx, first: str | None, depth: int):
    """A ``Backtrace`` of the running script, innermost call first; ``first``
    names the built-in function that asks (Zeek lists it too), ``depth``
    counts the Python frames to skip."""
    from ..containers import Vector

    el_cls = record_class(script_type(ctx, "BacktraceElement"))
    args_t = script_type(ctx, "call_argument_vector")
    frames = linemap.script_stack(depth + 1)
    names = ([(first, None)] if first else []) + [(name, f) for name, _, f in frames]
    spans = [span for _, span, _ in frames] + [None]
    out = Vector(script_type(ctx, "Backtrace"))
    for (name, frame), span in zip(names, spans, strict=False):
        args = _call_arguments(ctx, name, frame) if frame is not None else []
        given = {"f_function_name": name, "f_function_args": Vector(args_t, args)}
        if span is not None and span.file is not None:
            given["f_file_location"] = span.file.path
            given["f_line_location"] = span.line
        out.append(el_cls._zmake(given))
    return out


@bif("backtrace", "function(): Backtrace", context=True)
def backtrace(ctx):
    return make_backtrace(ctx, "backtrace", 2)
