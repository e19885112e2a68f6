"""Grammar callbacks: Lark reductions to AST nodes.

:class:`AstBuilder` is handed to Lark as an inline transformer, so each
method runs when the LALR parser reduces the rule of the same name and no
parse tree is ever built.  The grammar is parsed with ``keep_all_tokens``, so
every callback sees the rule's punctuation too; it uses the first and last
child to compute the node's :class:`~zscript.diagnostics.Span`.
"""

from __future__ import annotations

from lark import Transformer

from ..diagnostics import SourceFile, Span
from . import ast as A
from .lexer import Token

__all__ = ["AstBuilder", "decode_string"]

_INTERVAL_UNITS = {
    "usec": 1e-6,
    "msec": 1e-3,
    "sec": 1.0,
    "min": 60.0,
    "hr": 3600.0,
    "day": 86400.0,
}
_SIMPLE_ESCAPES = {
    "n": "\n",
    "t": "\t",
    "r": "\r",
    "\\": "\\",
    '"': '"',
    "'": "'",
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "v": "\v",
    "?": "?",
    "e": "\x1b",
    "0": "\0",
}


#: Decimal digits converted exactly; longer literals are far out of any range
#: (Python refuses to convert more than 4300 digits at all).
_MAX_DIGITS = 100
#: What a longer literal becomes: larger than every count, int and port.
_HUGE = 1 << 128


def _decimal(text: str) -> int:
    """The value of a decimal literal (:data:`_HUGE` when absurdly long)."""
    digits = text.lstrip("0")
    return int(digits or "0") if len(digits) <= _MAX_DIGITS else _HUGE


def _bytes_of(text: str) -> str:
    """UTF-8 text (undecodable bytes kept as surrogate escapes) as byte characters."""
    return text.encode("utf-8", "surrogateescape").decode("latin-1")


def decode_string(body: str) -> str:
    """Decode the text between a string literal's quotes into zscript's byte string.

    zscript strings are Python ``str`` objects whose characters are bytes
    (code points 0-255).  Literal text is UTF-8 encoded; escapes produce bytes.
    """
    if "\\" not in body:
        return body if body.isascii() else _bytes_of(body)
    out: list[str] = []
    i = 0
    n = len(body)
    while i < n:
        c = body[i]
        if c != "\\" or i + 1 >= n:
            out.append(_bytes_of(c) if ord(c) > 127 else c)
            i += 1
            continue
        e = body[i + 1]
        if e == "x":
            j = i + 2
            while j < n and j < i + 4 and body[j] in "0123456789abcdefABCDEF":
                j += 1
            out.append(chr(int(body[i + 2 : j], 16)) if j > i + 2 else "x")
            i = j
        elif e in "01234567":
            j = i + 1
            while j < n and j < i + 4 and body[j] in "01234567":
                j += 1
            out.append(chr(int(body[i + 1 : j], 8) & 0xFF))
            i = j
        else:
            out.append(_SIMPLE_ESCAPES.get(e, e))
            i += 2
    return "".join(out)


def _is_tok(x, value: str | None = None) -> bool:
    return isinstance(x, Token) and (value is None or x.value == value)


class AstBuilder(Transformer):
    """Inline transformer building :mod:`zscript.syntax.ast` nodes."""

    def __init__(self):
        super().__init__(visit_tokens=False)
        self.source: SourceFile | None = None

    # ------------------------------------------------------------ span helpers

    def _tspan(self, tok: Token) -> Span:
        return Span(self.source, tok.line, tok.column, tok.end_line, tok.end_column)

    def _first(self, x):
        if isinstance(x, Token):
            return self._tspan(x)
        if isinstance(x, list | tuple):
            for y in x:
                s = self._first(y)
                if s is not None:
                    return s
            return None
        return getattr(x, "span", None)

    def _last(self, x):
        if isinstance(x, Token):
            return self._tspan(x)
        if isinstance(x, list | tuple):
            for y in reversed(x):
                s = self._last(y)
                if s is not None:
                    return s
            return None
        return getattr(x, "span", None)

    def _span(self, children) -> Span:
        a = self._first(children)
        b = self._last(children)
        if a is None:
            return Span(self.source, 0, 0, 0, 0)
        return a.to(b)

    @staticmethod
    def _attrs(children) -> list[A.Attr]:
        return [c for c in children if isinstance(c, A.Attr)]

    # ------------------------------------------------------------------ starts

    def start_decl(self, c):
        return c[0]

    start_stmt = start_expr = start_decl

    # ------------------------------------------------------------ declarations

    def module_decl(self, c):
        return A.ModuleDecl(c[1].value, span=self._span(c))

    def export_decl(self, c):
        return A.ExportDecl([d for d in c[2:-1] if isinstance(d, A.Node)], span=self._span(c))

    def _var_parts(self, c, start: int):
        """(type, init_op, init, attrs) from ``ID opt_type init? attr* ;`` children."""
        ty = c[start]
        op = init = None
        rest = c[start + 1 : -1]
        if rest and isinstance(rest[0], tuple):
            op, init = rest[0]
            rest = rest[1:]
        return ty, op, init, self._attrs(rest)

    def global_decl(self, c):
        ty, op, init, attrs = self._var_parts(c, 2)
        return A.GlobalDecl(c[0].value, c[1].value, ty, op, init, attrs, span=self._span(c))

    def redef_decl(self, c):
        ty, op, init, attrs = self._var_parts(c, 2)
        return A.RedefDecl(c[1].value, ty, op, init, attrs, span=self._span(c))

    def redef_enum(self, c):
        return A.RedefEnum(c[2].value, c[5], span=self._span(c))

    def redef_record(self, c):
        fields = [x for x in c[5:] if isinstance(x, A.FieldDeclNode)]
        close = next(i for i in range(5, len(c)) if _is_tok(c[i], "}"))
        return A.RedefRecord(c[2].value, fields, self._attrs(c[close:]), span=self._span(c))

    def redef_field_attrs(self, c):
        return A.RedefFieldAttrs(
            c[2].value, c[4].value, c[5].value, self._attrs(c), span=self._span(c)
        )

    def type_decl(self, c):
        return A.TypeDecl(c[1].value, c[3], self._attrs(c[4:]), span=self._span(c))

    def func_hdr(self, c):
        is_redef = c[0].value == "redef"
        if is_redef:
            c = c[1:]
        return (c[0].value, c[1].value, c[2], self._attrs(c[3:]), is_redef, self._span(c))

    def func_decl(self, c):
        flavor, name, sig, attrs, is_redef, hspan = c[0]
        body = c[1]
        return A.FuncDecl(
            flavor, name, sig, attrs, body, is_redef, header_span=hspan, span=hspan.to(body.span)
        )

    def opt_type(self, c):
        return c[1] if c else None

    def init(self, c):
        return (c[0].value, c[1])

    def init_without_op(self, c):
        # Zeek's grammar allows an initializer without ``=``; the checker
        # rejects it (make_var in src/Var.cc).
        return ("", c[0])

    def brace_init(self, c):
        items = next((x for x in c if isinstance(x, list)), [])
        return A.BraceInit(items, span=self._span(c))

    def func_sig(self, c):
        params = next((x for x in c if isinstance(x, list)), [])
        ret = c[-1] if isinstance(c[-1], A.TypeNode) else None
        return A.FuncSig(params, ret, span=self._span(c))

    def formal_args(self, c):
        if len(c) == 1:
            return [c[0]]
        c[0].append(c[2])
        return c[0]

    def formal_arg(self, c):
        return A.FormalArg(c[0].value, c[2], self._attrs(c[3:]), span=self._span(c))

    def func_body(self, c):
        return A.Block([s for s in c[1:-1] if isinstance(s, A.Node)], span=self._span(c))

    def field_decl(self, c):
        return A.FieldDeclNode(c[0].value, c[2], self._attrs(c[3:]), span=self._span(c))

    def enum_body(self, c):
        return c[0] if c and isinstance(c[0], list) else []

    def enum_list(self, c):
        if len(c) == 1:
            return [c[0]]
        c[0].append(c[2])
        return c[0]

    def enum_elem(self, c):
        value = None
        if len(c) >= 3 and _is_tok(c[1], "="):
            v = c[2]
            if _is_tok(v, "-") or v.type in ("DOUBLE_LIT", "STRING_LIT"):
                return A.EnumElem(c[0].value, None, self._attrs(c), True, span=self._span(c))
            value = int(v.value, 0) if not v.value.isdigit() else _decimal(v.value)
        return A.EnumElem(c[0].value, value, self._attrs(c), span=self._span(c))

    def attr(self, c):
        return A.Attr(c[0].value, c[2] if len(c) > 2 else None, span=self._span(c))

    # ------------------------------------------------------------------- types

    def _type(self, kind, c, args=None):
        return A.TypeNode(kind, args if args is not None else [], span=self._span(c))

    def basic_type(self, c):
        return self._type(c[0].value, c)

    def table_type(self, c):
        return self._type("table", c, [c[2], c[5]])

    def set_type(self, c):
        return self._type("set", c, [c[2]])

    def vector_type(self, c):
        return self._type("vector", c, [c[2]])

    def record_type(self, c):
        return self._type("record", c, [x for x in c if isinstance(x, A.FieldDeclNode)])

    def enum_type(self, c):
        return self._type("enum", c, [c[2]])

    def function_type(self, c):
        return self._type("function", c, [c[1]])

    def _flavor_type(self, flavor, c):
        params = next((x for x in c if isinstance(x, list)), [])
        return self._type(flavor, c, [A.FuncSig(params, None, span=self._span(c))])

    def event_type(self, c):
        return self._flavor_type("event", c)

    def hook_type(self, c):
        return self._flavor_type("hook", c)

    def opaque_type(self, c):
        return self._type("opaque", c, [c[2].value])

    def file_type(self, c):
        return self._type("file", c, [c[2]] if len(c) > 2 else [])

    def named_type(self, c):
        return self._type("named", c, [c[0].value])

    def type_list(self, c):
        if len(c) == 1:
            return [c[0]]
        c[0].append(c[2])
        return c[0]

    # -------------------------------------------------------------- statements

    def block(self, c):
        return A.Block([s for s in c[1:-1] if isinstance(s, A.Node)], span=self._span(c))

    def print_stmt(self, c):
        return A.PrintStmt(c[1], span=self._span(c))

    def event_stmt(self, c):
        return A.EventStmt(c[1], span=self._span(c))

    def if_stmt(self, c):
        orelse = c[6] if len(c) > 6 else None
        return A.IfStmt(c[2], c[4], orelse, span=self._span(c))

    def switch_stmt(self, c):
        return A.SwitchStmt(c[1], [x for x in c[3:-1] if isinstance(x, A.Case)], span=self._span(c))

    def case_values(self, c):
        return A.Case(c[1], None, [s for s in c[3:] if isinstance(s, A.Node)], span=self._span(c))

    def case_types(self, c):
        return A.Case(None, c[1], [s for s in c[3:] if isinstance(s, A.Node)], span=self._span(c))

    def case_default(self, c):
        return A.Case(None, None, [s for s in c[2:] if isinstance(s, A.Node)], span=self._span(c))

    def type_cases(self, c):
        if len(c) == 1:
            return [c[0]]
        c[0].append(c[2])
        return c[0]

    def type_case(self, c):
        return (c[1], c[3].value if len(c) > 3 else None)

    def for_stmt(self, c):
        keys, value, bracketed = c[2]
        return A.ForStmt(keys, value, c[4], c[6], bracketed, span=self._span(c))

    def for_key(self, c):
        return ([c[0].value], None, False)

    def for_key_value(self, c):
        return ([c[0].value], c[2].value, False)

    def for_keys(self, c):
        return (c[1], None, True)

    def for_keys_value(self, c):
        return (c[1], c[4].value, True)

    def id_list(self, c):
        if len(c) == 1:
            return [c[0].value]
        c[0].append(c[2].value)
        return c[0]

    def while_stmt(self, c):
        return A.WhileStmt(c[2], c[4], span=self._span(c))

    def next_stmt(self, c):
        return A.NextStmt(span=self._span(c))

    def break_stmt(self, c):
        return A.BreakStmt(span=self._span(c))

    def fallthrough_stmt(self, c):
        return A.FallthroughStmt(span=self._span(c))

    def return_stmt(self, c):
        return A.ReturnStmt(c[1] if len(c) == 3 else None, span=self._span(c))

    def local_decl(self, c):
        ty, op, init, attrs = self._var_parts(c, 2)
        return A.LocalDecl(c[0].value, c[1].value, ty, op, init, attrs, span=self._span(c))

    def when_head(self, c):
        is_return = c[0].value == "return"
        rest = c[2:] if is_return else c[1:]
        caps = rest[0] if isinstance(rest[0], list) else None
        cond = rest[-2]
        return (is_return, caps, cond, self._span(c))

    def when_local(self, c):
        return A.WhenLocal(c[1].value, c[3], span=self._span(c))

    def when_stmt(self, c):
        is_return, caps, cond, hspan = c[0]
        local_name = None
        timeout = tbody = None
        if len(c) > 2:
            timeout = c[3]
            tbody = [s for s in c[5:-1] if isinstance(s, A.Node)]
        return A.WhenStmt(
            caps, cond, c[1], timeout, tbody, is_return, local_name, span=hspan.to(self._last(c))
        )

    def assert_stmt(self, c):
        return A.AssertStmt(c[1], c[3] if len(c) > 3 else None, span=self._span(c))

    def add_stmt(self, c):
        return A.AddStmt(c[1], span=self._span(c))

    def delete_stmt(self, c):
        return A.DeleteStmt(c[1], span=self._span(c))

    def expr_stmt(self, c):
        return A.ExprStmt(c[0], span=self._span(c))

    def null_stmt(self, c):
        return A.NullStmt(span=self._span(c))

    # ------------------------------------------------------------- expressions

    def assign(self, c):
        return A.Assign(c[1].value, c[0], c[2], span=self._span(c))

    def aggr_add(self, c):
        return A.AggrExpr("add", c[1], span=self._span(c))

    def aggr_delete(self, c):
        return A.AggrExpr("delete", c[1], span=self._span(c))

    def cond_expr(self, c):
        return A.CondExpr(c[0], c[2], c[4], span=self._span(c))

    def binop(self, c):
        return A.BinOp(c[1].value, c[0], c[2], span=self._span(c))

    def hook_call(self, c):
        return A.HookCall(c[1], span=self._span(c))

    def unary(self, c):
        return A.UnaryOp(c[0].value, c[1], span=self._span(c))

    def unary_hook(self, c):
        """``! hook h(...)``: an operator before ``hook``."""
        call = A.HookCall(c[2], span=self._span(c[1:]))
        return A.UnaryOp(c[0].value, call, span=self._span(c))

    def cast(self, c):
        return A.Cast(c[1].value, c[0], c[2], span=self._span(c))

    def index(self, c):
        return A.Index(c[0], c[2], span=self._span(c))

    def slice(self, c):
        colon = next(i for i, x in enumerate(c) if _is_tok(x, ":"))
        lo = c[2] if colon == 3 else None
        hi = c[colon + 1] if not _is_tok(c[colon + 1], "]") else None
        return A.Slice(c[0], lo, hi, span=self._span(c))

    def field(self, c):
        return A.Field(c[0], c[2].value, span=self._span(c))

    def has_field(self, c):
        return A.HasField(c[0], c[2].value, span=self._span(c))

    def call(self, c):
        args = c[2] if len(c) == 4 else ("exprs", [])  # "exprs,": with a trailing comma
        if args[0] == "fields":
            return A.Call(c[0], [], args[1], span=self._span(c))
        return A.Call(c[0], args[1], span=self._span(c))

    def paren(self, c):
        e = c[1]
        e.paren = True
        return e

    def type_atom(self, c):
        return A.TypeExpr(A.TypeNode(c[0].value, [], span=self._span(c)), span=self._span(c))

    def type_expr(self, c):
        return A.TypeExpr(c[0], span=self._span(c))

    def name(self, c):
        return A.Name(c[0].value, span=self._span(c))

    def _const(self, kind, value, c):
        return A.Const(kind, value, c[0].value, span=self._span(c))

    def const_count(self, c):
        return self._const("count", _decimal(c[0].value), c)

    def const_hex(self, c):
        return self._const("count", int(c[0].value, 16), c)

    def const_double(self, c):
        return self._const("double", float(c[0].value), c)

    def const_interval(self, c):
        text = c[0].value
        i = len(text)
        while not (text[i - 1].isdigit() or text[i - 1] == "."):
            i -= 1
        unit = text[i:].strip()
        if unit.endswith("s") and unit[:-1] in _INTERVAL_UNITS:
            unit = unit[:-1]
        return self._const("interval", float(text[:i]) * _INTERVAL_UNITS[unit], c)

    def const_string(self, c):
        return self._const("string", decode_string(c[0].value[1:-1]), c)

    def const_bool(self, c):
        return self._const("bool", c[0].value == "T", c)

    def const_pattern(self, c):
        text = c[0].value
        close = text.rfind("/")
        return self._const("pattern", (text[1:close], text[close + 1 :]), c)

    def const_port(self, c):
        num, proto = c[0].value.split("/")
        return self._const("port", (_decimal(num), proto), c)

    def const_addr(self, c):
        return self._const("addr", _ip_text(c[0].value), c)

    def const_subnet(self, c):
        ip, _, length = c[0].value.partition("/")
        return self._const("subnet", f"{_ip_text(ip)}/{length.strip()}", c)

    def list_ctor(self, c):
        if len(c) == 2:
            return A.ListCtor([], None, span=self._span(c))
        kind, items = c[1][:2]
        if kind == "fields":
            return A.ListCtor([], items, span=self._span(c))
        return A.ListCtor(items, None, kind == "exprs,", span=self._span(c))

    def record_ctor(self, c):
        kind, items = c[2][:2]
        if kind != "fields":
            items = []
        # Zeek's parse.y locates ``record(...)`` from the keyword to the
        # arguments' trailing comma or last argument: the ")" is left out.
        return A.RecordCtor(items, span=self._span([c[0], c[2][2:] or items]))

    def _ctor_items(self, c):
        for x in c:
            if isinstance(x, tuple):
                return x[1]
        return []

    def table_ctor(self, c):
        return A.TableCtor(self._ctor_items(c), self._attrs(c), span=self._span(c))

    def set_ctor(self, c):
        return A.SetCtor(self._ctor_items(c), self._attrs(c), span=self._span(c))

    def vector_ctor(self, c):
        return A.VectorCtor(self._ctor_items(c), span=self._span(c))

    def copy_expr(self, c):
        return A.CopyExpr(c[2], span=self._span(c))

    def size_expr(self, c):
        return A.SizeExpr(c[1], span=self._span(c))

    def lambda_expr(self, c):
        caps = c[1] if isinstance(c[1], list) else None
        return A.LambdaExpr(caps, c[-2], c[-1], span=self._span(c))

    def schedule_expr(self, c):
        return A.ScheduleExpr(c[1], c[3], span=self._span(c))

    def ctor_args(self, c):
        """``(kind, items)``; field assignments with a trailing comma also
        carry the comma token (``(kind, items, comma)``)."""
        if isinstance(c[0], list):
            return ("exprs," if len(c) > 1 else "exprs", c[0])
        return (*c[0], *c[1:])

    def expr_list(self, c):
        if len(c) == 1:
            return [c[0]]
        c[0].append(c[2])
        return c[0]

    def field_assigns(self, c):
        if len(c) == 1:
            return ("fields", [c[0]])
        c[0][1].append(c[2])
        return c[0]

    def field_assign(self, c):
        return A.FieldAssign(c[1].value, c[3], span=self._span(c))

    def field_lambda(self, c):
        caps = c[2] if isinstance(c[2], list) else None
        sig = c[-3]
        lam = A.LambdaExpr(caps, sig, c[-1], infer_return=True, span=self._span(c[2:]))
        return A.FieldAssign(c[1].value, lam, span=self._span(c))

    def event_call(self, c):
        name = A.Name(c[0].value, span=self._tspan(c[0]))
        args = c[2] if isinstance(c[2], list) else []
        return A.Call(name, args, span=self._span(c))

    def captures(self, c):
        return c[1] if isinstance(c[1], list) else []

    def capture_list(self, c):
        if len(c) == 1:
            return [c[0]]
        c[0].append(c[2])
        return c[0]

    def capture(self, c):
        if len(c) == 2:
            return A.Capture(c[1].value, True, span=self._span(c))
        return A.Capture(c[0].value, False, span=self._span(c))


def _ip_text(lit: str) -> str:
    """The address of an address literal: no brackets, no "0x" (Zeek's ``extract_ip``)."""
    text = lit.strip().removeprefix("[").removesuffix("]")
    return text.removeprefix("0x")
