"""Render AST nodes back to text the way Zeek describes expressions.

Zeek quotes the offending expression in its messages, e.g.
``no such index (t[nope])`` or ``count underflow (c2 - 1)``.  Its describer
prints names fully qualified once resolved, string constants without quotes,
binary operators with single spaces and no parentheses; :func:`expr_text`
does the same.  :func:`stmt_text` renders statements for function printing.
"""

from __future__ import annotations

from .. import types as _types
from ..numfmt import format_double, format_interval
from . import ast as A

__all__ = ["expr_text", "type_text"]


def _name(e: A.Name) -> str:
    ident = e.id
    if ident is not None:
        name = ident.name
        return name.removesuffix("-hidden")
    return e.name.lstrip(":")


def type_text(tn: A.TypeNode) -> str:
    if tn.resolved is not None:
        return tn.resolved.display()
    k = tn.kind
    if k == "named":
        return tn.args[0]
    if k == "table":
        return f"table[{','.join(type_text(t) for t in tn.args[0])}] of {type_text(tn.args[1])}"
    if k == "set":
        return f"set[{','.join(type_text(t) for t in tn.args[0])}]"
    if k == "vector":
        return f"vector of {type_text(tn.args[0])}"
    return k


#: Zeek's describer quotes string constants in some contexts (assert conditions).
_QUOTES = [False]


def _quote(s: str) -> str:
    out = s.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + "".join(c if " " <= c <= "~" else "\\x%02x" % ord(c) for c in out) + '"'


def _const(e: A.Const) -> str:
    k = e.kind
    if k == "bool":
        return "T" if e.value else "F"
    if k == "string":
        return _quote(e.value) if _QUOTES[0] else e.value
    if k == "double":
        return format_double(e.value)
    if k == "interval":
        return format_interval(e.value)
    if k == "count":
        return str(e.value)
    if k == "pattern":
        return f"/{e.value[0]}/"
    if k == "port":
        return f"{e.value[0]}/{e.value[1]}"
    return str(e.value)


def _args(es) -> str:
    return ", ".join(expr_text(x) for x in es)


def expr_text(e, quotes: bool | None = None) -> str:
    """Zeek-style text of an expression (``quotes``: quote string constants;
    nested calls inherit the setting)."""
    if e is None:
        return ""
    if quotes is not None and quotes != _QUOTES[0]:
        saved = _QUOTES[0]
        _QUOTES[0] = quotes
        try:
            return expr_text(e, quotes)
        finally:
            _QUOTES[0] = saved
    m = _RENDER.get(type(e))
    if m is None:
        return f"<{type(e).__name__}>"
    return m(e)


def _call(e: A.Call) -> str:
    if e.field_args:
        return f"{expr_text(e.func)}({', '.join(f'${f.name}={expr_text(f.value)}' for f in e.field_args)})"
    return f"{expr_text(e.func)}({_args(e.args)})"


def _list(e: A.ListCtor) -> str:
    if e.fields is not None:
        return "[" + ", ".join(f"${f.name}={expr_text(f.value)}" for f in e.fields) + "]"
    return _args(e.items)


def _unary(e: A.UnaryOp) -> str:
    return f"{e.op}{expr_text(e.operand)}"


def _slice(e: A.Slice) -> str:
    return f"{expr_text(e.base)}[{expr_text(e.lo)}:{expr_text(e.hi)}]"


_RENDER = {
    A.Const: _const,
    A.Name: _name,
    A.Index: lambda e: f"{expr_text(e.base)}[{_args(e.indices)}]",
    A.Slice: _slice,
    A.Field: lambda e: f"{expr_text(e.base)}${e.field}",
    A.HasField: lambda e: f"{expr_text(e.base)}?${e.field}",
    A.Call: _call,
    A.UnaryOp: _unary,
    A.BinOp: lambda e: f"{expr_text(e.left)} {e.op} {expr_text(e.right)}",
    A.CondExpr: lambda e: f"{expr_text(e.cond)} ? {expr_text(e.then)} : {expr_text(e.orelse)}",
    A.Assign: lambda e: f"{expr_text(e.target)} {e.op} {expr_text(e.value)}",
    A.Cast: lambda e: f"{expr_text(e.expr)} {e.op} {type_text(e.target)}",
    A.SizeExpr: lambda e: f"|{expr_text(e.expr)}|",
    A.CopyExpr: lambda e: f"copy({expr_text(e.expr)})",
    A.HookCall: lambda e: f"hook {expr_text(e.call)}",
    A.ListCtor: _list,
    A.RecordCtor: lambda e: (
        "[" + ", ".join(f"${f.name}={expr_text(f.value)}" for f in e.fields) + "]"
    ),
    A.TableCtor: lambda e: f"table({_args(e.items)})",
    A.SetCtor: lambda e: f"set({_args(e.items)})",
    A.VectorCtor: lambda e: f"vector({_args(e.items)})",
    A.BraceInit: lambda e: "{" + _args(e.items) + "}",
    A.LambdaExpr: lambda e: "function()",
    A.ScheduleExpr: lambda e: f"schedule {expr_text(e.delay)} {{ {expr_text(e.event)} }}",
    A.TypeExpr: lambda e: type_text(e.tnode),
    A.WhenLocal: lambda e: f"local {e.name} = {expr_text(e.init)}",
    A.Coerce: lambda e: expr_text(e.expr),
}


_types.ATTR_TEXT[0] = expr_text
