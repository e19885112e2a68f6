"""Render AST nodes back to text the way Zeek describes expressions.

Zeek quotes the offending expression in its messages, e.g.
``no such index (t[nope])`` or ``count underflow (c2 - 1)``.  Its describer
prints names fully qualified once resolved, string constants without quotes,
binary operators with single spaces and no parentheses; :func:`expr_text`
does the same.  :func:`stmt_text` renders statements the way Zeek's messages
show them (``Stmt::Describe`` in its short form, Zeek's ``src/Stmt.cc``): all
on one line, a block as ``{ `` and its statements without separators and
``}``, a keyword followed by a space (``next ``, ``return (x)``).
"""

from __future__ import annotations

from .. import types as _types
from ..numfmt import format_double, format_interval
from . import ast as A

__all__ = ["attrs_text", "expr_text", "stmt_text", "type_text"]


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
        # Zeek describes a pattern by its anchored text (RE_Matcher's PatternText).
        text, flags = e.value
        return f"/^?({text})$?/" if not flags else f"/{text}/{flags}"
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
    return f"({m(e)})" if e.paren else m(e)


def _call(e: A.Call) -> str:
    if e.field_args:
        return f"{expr_text(e.func)}({', '.join(f'${f.name}={expr_text(f.value)}' for f in e.field_args)})"
    return f"{expr_text(e.func)}({_args(e.args)})"


def _list(e: A.ListCtor) -> str:
    if e.fields is not None:
        text = "[" + ", ".join(f"${f.name}={expr_text(f.value)}" for f in e.fields) + "]"
        t = getattr(e, "type", None)
        if isinstance(t, _types.RecordType) and t.name:
            # The checker gave it a declared record type: in Zeek a
            # RecordCoerceExpr around the anonymous constructor.
            return f"(coerce {text} to {t.display()})"
        return text
    # (``[]`` is Zeek's empty record constructor.)
    return _args(e.items) if e.items else "[]"


def _unary(e: A.UnaryOp) -> str:
    return f"{e.op}{expr_text(e.operand)}"


def _slice(e: A.Slice) -> str:
    return f"{expr_text(e.base)}[{expr_text(e.lo)}:{expr_text(e.hi)}]"


# Zeek's ExprTag order (src/Expr.h), used to put operands in canonical order.
_BIN_TAGS = {
    "+": 9,
    "-": 10,
    "*": 15,
    "/": 16,
    "%": 18,
    "&": 19,
    "|": 20,
    "^": 21,
    "<<": 22,
    ">>": 23,
    "&&": 24,
    "||": 25,
    "<": 26,
    "<=": 27,
    "==": 28,
    "!=": 29,
    ">=": 30,
    ">": 31,
    "in": 43,
    "!in": 43,
}
_UNARY_TAGS = {"++": 3, "--": 4, "!": 5, "~": 6, "+": 7, "-": 8}
_NUMERIC = ("count", "int", "double", "interval", "time")


def _tag(e) -> int:
    t = type(e)
    if t is A.BinOp:
        return _BIN_TAGS.get(e.op, 9)
    if t is A.UnaryOp:
        return _UNARY_TAGS.get(e.op, 8)
    if t is A.Coerce:
        return 49
    return _NODE_TAGS.get(t, 45)


_NODE_TAGS = {
    A.Name: 0,
    A.Const: 1,
    A.CopyExpr: 2,
    A.CondExpr: 32,
    A.Assign: 34,
    A.Index: 35,
    A.Field: 36,
    A.HasField: 37,
    A.RecordCtor: 38,
    A.TableCtor: 39,
    A.SetCtor: 40,
    A.VectorCtor: 41,
    A.ListCtor: 44,
    A.Call: 45,
    A.LambdaExpr: 46,
    A.ScheduleExpr: 48,
    A.SizeExpr: 55,
    A.Cast: 56,
    A.HookCall: 45,
}


def _typetag(e) -> str:
    t = getattr(e, "type", None)
    return t.tag if t is not None else ""


def _canonical(e: A.BinOp) -> tuple[str, object, object]:
    """Zeek reorders some operands when it builds an expression
    (``Canonicalize`` in src/Expr.cc); its messages show the result:
    ``x == 1`` reads ``1 == x`` and ``n > 3`` reads ``3 < n``."""
    op, a, b = e.op, e.left, e.right
    if op in ("+", "*") and _typetag(e) in _NUMERIC:
        swap = _tag(b) > _tag(a) or (isinstance(b, A.Const) and not isinstance(a, A.Const))
        if op == "+" and _typetag(a) == "interval" and _typetag(b) == "time":
            swap = True
        if op == "*" and _typetag(b) == "interval":
            swap = True
        return (op, b, a) if swap else (op, a, b)
    if op in ("==", "!="):
        if _typetag(b) == "pattern":
            return op, b, a
        if _typetag(a) == "pattern":
            return op, a, b
        return (op, b, a) if _tag(b) > _tag(a) else (op, a, b)
    if op == ">":
        return "<", b, a
    if op == ">=":
        return "<=", b, a
    return op, a, b


def _binop(e: A.BinOp) -> str:
    op, a, b = _canonical(e)
    t = getattr(e, "operand_type", None)
    return f"{_promoted(a, t)} {op} {_promoted(b, t)}"


_ARITH = ("count", "int", "double")


def _promoted(x, t) -> str:
    """An operand as Zeek shows it once promoted to the operation's number
    type ``t`` (``BinaryExpr::PromoteOps``): wrapped in an ArithCoerceExpr,
    which a constant folds into a constant of type ``t``."""
    xt = _typetag(x)
    tt = getattr(t, "tag", None)
    if tt not in _ARITH or xt not in _ARITH or xt == tt:
        return expr_text(x)
    if isinstance(x, A.Const) and isinstance(x.value, int | float):
        return format_double(float(x.value)) if tt == "double" else str(int(x.value))
    return f"(coerce {expr_text(x)} to {tt})"


def _coerce(e: A.Coerce) -> str:
    inner = expr_text(e.expr)
    t = e.type
    if e.quiet:
        return inner
    if t is not None and t.tag == "any":
        return f"to_any_coerce {inner}"
    if t is not None and e.expr.type is not None and e.expr.type.tag == "any":
        return f"from_any_coerce {inner}"
    if (
        t is not None
        and (t.tag in _NUMERIC or t.tag == "record")
        and e.expr.type is not None
        and e.expr.type.tag != "any"
    ):
        return f"(coerce {inner} to {t.display()})"
    return inner


_RENDER = {
    A.Const: _const,
    A.Name: _name,
    A.Index: lambda e: f"{expr_text(e.base)}[{_args(e.indices)}]",
    A.Slice: _slice,
    A.Field: lambda e: f"{expr_text(e.base)}${e.field}",
    A.HasField: lambda e: f"{expr_text(e.base)}?${e.field}",
    A.Call: _call,
    A.UnaryOp: _unary,
    A.BinOp: _binop,
    A.CondExpr: lambda e: f"{expr_text(e.cond)} ? {expr_text(e.then)} : {expr_text(e.orelse)}",
    A.Assign: lambda e: f"{expr_text(e.target)} {e.op} {expr_text(e.value)}",
    A.Cast: lambda e: f"{expr_text(e.expr)} {e.op} {type_text(e.target)}",
    A.SizeExpr: lambda e: f"|{expr_text(e.expr)}|",
    A.CopyExpr: lambda e: f"copy({expr_text(e.expr)})",
    A.HookCall: lambda e: f"hook {expr_text(e.call)}",
    A.AggrExpr: lambda e: f"{e.op} {expr_text(e.target)}",
    A.ListCtor: _list,
    A.RecordCtor: lambda e: (
        (f"{e.named}(" if getattr(e, "named", None) else "[")
        + ", ".join(f"${f.name}={expr_text(f.value)}" for f in e.fields)
        + (")" if getattr(e, "named", None) else "]")
    ),
    A.TableCtor: lambda e: f"table({_args(e.items)})",
    A.SetCtor: lambda e: f"set({_args(e.items)})",
    A.VectorCtor: lambda e: f"vector({_args(e.items)})",
    A.BraceInit: lambda e: "{" + _args(e.items) + "}",
    A.LambdaExpr: lambda e: _lambda(e),
    A.ScheduleExpr: lambda e: f"schedule {expr_text(e.delay)} {{ {expr_text(e.event)} }}",
    A.TypeExpr: lambda e: type_text(e.tnode),
    A.WhenLocal: lambda e: f"local {e.name} = {expr_text(e.init)}",
    A.Coerce: _coerce,
    A.ExpandIndex: lambda e: expr_text(e.expr),
}


def _lambda(e: A.LambdaExpr) -> str:
    """``function(c:count) : count[a,  b]{ return (c)}`` (LambdaExpr::ExprDescribe)."""
    t = e.type
    if t is not None and t.tag == "func":
        head = str(t)
    else:
        params = ", ".join(f"{p.name}:{type_text(p.type)}" for p in e.sig.params)
        ret = type_text(e.sig.ret) if e.sig.ret is not None else "void"
        head = f"function({params}) : {ret}"
    caps = ""
    if e.captures is not None:
        caps = "[" + ",  ".join(("copy " if c.deep else "") + c.name for c in e.captures) + "]"
    return head + caps + stmt_text(e.body)


def attrs_text(attrs) -> str:
    """Attributes as Zeek lists them: ``&default=a, &optional``."""
    return ", ".join(
        a.name + (f"={expr_text(a.value)}" if a.value is not None else "") for a in attrs
    )


def _block(stmts) -> str:
    return "{ " + "".join(stmt_text(x) for x in stmts) + "}" if stmts else ""


def _case(c: A.Case) -> str:
    if c.values is None and c.types is None:
        head = "default:"
    elif c.values is not None:
        head = "case " + ", ".join(expr_text(v) for v in c.values) + ":"
    else:
        parts = []
        for tn, name in c.types:
            parts.append(f"type {type_text(tn)}" + (f" as {name}" if name else ""))
        head = "case " + ", ".join(parts) + ":"
    return head + _block(c.body)


def _if(s: A.IfStmt) -> str:
    out = f"if ({expr_text(s.cond)}) {stmt_text(s.then)}"
    if s.orelse is not None:
        out += "else" + stmt_text(s.orelse)
    return out


def _when(s: A.WhenStmt) -> str:
    caps = ""
    if s.captures:
        # A capture the checker could not resolve is "<error>" to Zeek.
        names = [
            ("copy " if c.deep else "") + (c.name if c.id is not None else "<error>")
            for c in s.captures
        ]
        caps = "[" + ", ".join(names) + "]"
    out = f"when {caps}({expr_text(s.cond)}) {stmt_text(s.body)}"
    if s.timeout is not None:
        out += f" timeout {expr_text(s.timeout)} {_block(s.timeout_body or [])}"
    return out


_STMTS = {
    A.Block: lambda s: _block(s.stmts),
    A.ExprStmt: lambda s: expr_text(s.expr),
    A.PrintStmt: lambda s: "print " + _args(s.exprs),
    A.EventStmt: lambda s: "event " + expr_text(s.call),
    A.IfStmt: _if,
    A.SwitchStmt: lambda s: (
        f"switch {expr_text(s.expr)} {{" + "".join(_case(c) for c in s.cases) + "}"
    ),
    A.WhileStmt: lambda s: f"while ({expr_text(s.cond)}) {stmt_text(s.body)}",
    A.ForStmt: lambda s: (
        f"for ([{','.join(s.keys)}]"
        + (f", {s.value}" if s.value else "")
        + f" in {expr_text(s.iterable)}) {stmt_text(s.body)}"
    ),
    A.NextStmt: lambda s: "next ",
    A.BreakStmt: lambda s: "break ",
    A.FallthroughStmt: lambda s: "fallthrough ",
    A.ReturnStmt: lambda s: "return " + (f"({expr_text(s.value)})" if s.value else ""),
    A.LocalDecl: lambda s: f"local {s.name}" + (f" = {expr_text(s.init)}" if s.init else ""),
    A.WhenStmt: _when,
    A.AssertStmt: lambda s: (
        "assert "
        + expr_text(s.cond, quotes=True)
        + (f", {expr_text(s.msg, quotes=True)}" if s.msg is not None else "")
    ),
    A.AddStmt: lambda s: "add " + expr_text(s.target),
    A.DeleteStmt: lambda s: "delete " + expr_text(s.target),
    A.NullStmt: lambda s: "",
    A.Case: _case,
}


def stmt_text(s) -> str:
    """Zeek's one-line description of a statement (see the module docstring)."""
    m = _STMTS.get(type(s))
    return m(s) if m is not None else f"<{type(s).__name__}>"


_types.ATTR_TEXT[0] = expr_text
