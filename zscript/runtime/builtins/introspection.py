"""Built-in functions that look at the script's own identifiers.

They reach the declared globals through the bif context's
:meth:`~zscript.runtime.bifs.BifContext.script_ids`, which describes each
global identifier as a :class:`~zscript.runtime.bifs.ScriptId` (its kind,
type, flags, attributes and current value) without the runtime knowing the
checker.

Provides: global_ids, lookup_ID, is_event_handled.
"""

from __future__ import annotations

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
