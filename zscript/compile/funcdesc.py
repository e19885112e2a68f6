"""Zeek's text of a function value: ``print f`` shows the function's body.

Zeek describes a script function (``ScriptFunc::Describe`` in src/Func.cc)
as its name, its type and its body in the readable form of its statements
(``Stmt::StmtDescribe`` and friends in src/Stmt.cc)::

    no_ZAM: function() : void
    {
    print no ZAM;
    }

That form is not the source text: a block is ``{ `` and a newline, each
statement on its own line, nested bodies one tab further in; ``if`` and
``while`` put their condition in parentheses, ``return`` its value; every
simple statement ends in ``;`` (``next ;``).  Expressions are written by
:func:`~zscript.syntax.printer.expr_text`, with string constants quoted only
inside ``assert``.

The compiler marks each function with its declaration (``_zdecl``) and
installs :func:`function_text` as the runtime's function describer, so the
text is built only when a function is printed.
"""

from __future__ import annotations

from ..runtime import describe as _describe
from ..syntax import ast as A
from ..syntax.printer import expr_text, stmt_text

__all__ = ["function_text"]


class _Desc:
    """A little of Zeek's ``ODesc``: text with tab indentation after newlines."""

    def __init__(self):
        self.parts: list[str] = []
        self.level = 0
        self.at_bol = False

    def add(self, s: str) -> None:
        if not s:
            return
        if self.at_bol:
            self.parts.append("\t" * self.level)
        self.parts.append(s)
        self.at_bol = False

    def sp(self) -> None:
        self.parts.append(" ")
        self.at_bol = False

    def nl(self) -> None:
        self.parts.append("\n")
        self.at_bol = True

    def push(self) -> None:
        self.level += 1
        self.nl()

    def pop(self) -> None:
        self.level -= 1
        self.nl()

    def text(self) -> str:
        return "".join(self.parts)


def _block(d: _Desc, stmts: list) -> None:
    if not stmts:
        d.add(";")
        return
    d.add("{ ")
    d.nl()
    for s in stmts:
        _stmt(d, s)
        d.nl()
    d.add("}")


def _body(d: _Desc, s) -> None:
    """A nested body, one level further in."""
    d.push()
    _stmt(d, s)
    d.pop()


def _guarded(d: _Desc, tag: str, cond, body) -> None:
    """``if``, ``while``, ``when``: the condition in parentheses, the body further in."""
    d.add(tag)
    d.sp()
    d.add(f"({expr_text(cond)})")
    d.sp()
    _body(d, body)


def _simple(d: _Desc, tag: str, text: str = "") -> None:
    d.add(tag)
    d.sp()
    d.add(text)
    d.add(";")


def _stmt(d: _Desc, s) -> None:
    t = type(s)
    if t is A.Block:
        _block(d, s.stmts)
    elif t is A.ExprStmt:
        d.add(expr_text(s.expr))
        d.add(";")
    elif t is A.PrintStmt:
        _simple(d, "print", ", ".join(expr_text(e) for e in s.exprs))
    elif t is A.EventStmt:
        _simple(d, "event", expr_text(s.call))
    elif t is A.IfStmt:
        _guarded(d, "if", s.cond, s.then)
        if s.orelse is not None:
            d.add("else")
            _body(d, s.orelse)
    elif t is A.WhileStmt:
        _guarded(d, "while", s.cond, s.body)
    elif t is A.ForStmt:
        _for(d, s)
    elif t is A.ReturnStmt:
        _simple(d, "return", f"({expr_text(s.value)})" if s.value is not None else "")
    elif t in (A.NextStmt, A.BreakStmt, A.FallthroughStmt):
        _simple(d, {A.NextStmt: "next", A.BreakStmt: "break"}.get(t, "fallthrough"))
    elif t is A.AssertStmt:
        cond = expr_text(s.cond, quotes=True)
        msg = f", {expr_text(s.msg, quotes=True)}" if s.msg is not None else ""
        _simple(d, "assert", cond + msg)
    elif t is A.LocalDecl:
        if s.init is not None:
            d.add(f"{s.name} = {expr_text(s.init)};")
        else:
            _simple(d, "<init>", s.name)
    elif t is A.AddStmt:
        _simple(d, "add", expr_text(s.target))
    elif t is A.DeleteStmt:
        _simple(d, "delete", expr_text(s.target))
    elif t is A.SwitchStmt:
        _switch(d, s)
    elif t is A.WhenStmt:
        _guarded(d, "when", s.cond, s.body)
    else:
        d.add(";")


def _for(d: _Desc, s: A.ForStmt) -> None:
    d.add("for")
    d.sp()
    d.add("(")
    if s.keys:
        # Zeek puts the comma after every variable but the first.
        d.add("[" + "".join(k + ("," if i else "") for i, k in enumerate(s.keys)) + "]")
    if s.value is not None:
        d.add(",")
        d.sp()
        d.add(s.value)
    d.add(f" in {expr_text(s.iterable)})")
    d.sp()
    _body(d, s.body)


def _switch(d: _Desc, s: A.SwitchStmt) -> None:
    d.add("switch")
    d.sp()
    d.add(expr_text(s.expr))
    d.sp()
    d.add("{")
    d.push()
    for c in s.cases:
        if c.values is None and c.types is None:
            d.add("default:")
        else:
            d.add("case")
            for i, v in enumerate(c.values or []):
                d.add("," if i else "")
                d.sp()
                d.add(expr_text(v))
            d.add(":")
        d.push()
        _block(d, c.body)
        d.pop()
    d.pop()
    d.add("}")
    d.nl()


def function_text(f, one_line: bool = False) -> str | None:
    """``name: type`` and the body of a compiled script function, or None;
    ``one_line``: the short form of Zeek's messages (``{ return (k)}``)."""
    decl = getattr(f, "_zdecl", None)
    if decl is None:
        return None
    deferred = getattr(decl.info, "deferred", None)
    if deferred is not None and deferred.done is None:
        # A library body not checked yet (zscript/check/deferral.py): the
        # text shows what checking resolves (full names, coercions).
        f.__globals__["_z_lazy"](deferred)
    if one_line:
        return f"{f._zname}: {f._ztype.describe()}{stmt_text(decl.body)}"
    d = _Desc()
    d.add(f"{f._zname}: {f._ztype.describe()}")
    d.nl()
    _block(d, decl.body.stmts)
    return d.text()


_describe.FUNCTION_TEXT[0] = function_text
