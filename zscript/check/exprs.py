"""Expression checks (mixed into :class:`~.checker.Checker`).

``check_expr(e, expected)`` resolves names, computes ``e.type`` and returns
the node to use in place of ``e`` (the same node, or a replacement such as a
:class:`~zscript.syntax.ast.Coerce` wrapper).  ``expected`` is the type the
context wants; it lets untyped constructors (``set()``, ``[$a=1]``,
``{ ... }``) take their type from the context, as in Zeek.
"""

from __future__ import annotations

from ..diagnostics import Diagnostic
from ..syntax import ast as A
from ..syntax.printer import expr_text
from ..types import (
    ADDR,
    ANY,
    BOOL,
    COUNT,
    DOUBLE,
    ERROR,
    INT,
    INTERVAL,
    PATTERN,
    PORT,
    STRING,
    SUBNET,
    VOID,
    EnumType,
    Field,
    FuncType,
    ListType,
    OpaqueType,
    RecordType,
    TableType,
    Type,
    TypeType,
    VectorType,
    can_cast,
    is_numeric,
    max_numeric,
    same_type,
)
from .promote import ElementPromotion, fields_fit
from .scope import ID, FuncInfo, full_name, short_name
from .typerules import arith_result, assignable, bitwise_result, comparable, size_result

__all__ = ["ExprChecks"]

_CONST_TYPES = {
    "count": COUNT,
    "double": DOUBLE,
    "interval": INTERVAL,
    "string": STRING,
    "bool": BOOL,
    "pattern": PATTERN,
    "port": PORT,
    "addr": ADDR,
    "subnet": SUBNET,
}
_TIMER = OpaqueType("timer")


class ExprChecks:
    # ------------------------------------------------------------------ utils

    def describe_expr(self, e: A.Expr) -> str:
        return expr_text(e)

    def check_expr(self, e: A.Expr, expected: Type | None = None) -> A.Expr:
        method = getattr(self, "expr_" + type(e).__name__, None)
        if method is None:
            self.error(e.span, f"unsupported expression ({type(e).__name__})")
            e.type = ERROR
            return e
        r = method(e, expected)
        if r.type is None:
            r.type = ERROR
        return r

    def check_exprs(self, es: list[A.Expr]) -> list[A.Expr]:
        return [self.check_expr(x) for x in es]

    def coerce(
        self, e: A.Expr, t: Type | None, what: str = "assignment", lhs: str | None = None
    ) -> A.Expr:
        """Return ``e`` converted to ``t``, or report a type clash; ``lhs``
        describes what an assignment or initialization assigns to."""
        if getattr(e, "retype_failed", False):
            self.assign_clash(e, lhs)
            return e
        if t is None or t.tag == "error" or e.type is None or e.type.tag == "error":
            return e
        src = e.type
        if src is t:
            return e
        if isinstance(e, A.ListCtor | A.RecordCtor) and isinstance(t, RecordType):
            return self.ctor_to_record(e, t, keep_own=what in ("assignment", "initialization"))
        if (
            isinstance(e, A.SetCtor | A.TableCtor | A.BraceInit | A.VectorCtor)
            and t.tag in ("table", "vector")
            and not (isinstance(e, A.TableCtor | A.VectorCtor) and e.items)
        ):
            # (table(...) and vector(...) with elements have their own type,
            # checked below as any other value's.)
            return self.ctor_with_type(e, t, what, lhs)
        if isinstance(e, A.CondExpr) and (
            (isinstance(src, TableType) and src.is_unspecified)
            or (isinstance(src, VectorType) and src.elem is None)
        ):
            e.then = self.coerce(e.then, t, what)
            e.orelse = self.coerce(e.orelse, t, what)
            e.type = t
            return e
        if t.tag == "any":
            if src.tag == "any":
                return e
            return self.wrap(e, ANY)
        if src.tag == "any":
            # Zeek checks an `any` stored into a typed slot at run time.
            return self.wrap(e, t)
        if src.tag == "void":
            self.error(e.span, f"value of type void used in {what}")
            return e
        if (
            t.tag == "time"
            and what in ("assignment", "initialization")
            and is_numeric(src)
            and isinstance(e, A.Const)
            and e.value == 0
        ):
            # Zeek's AssignExpr::TypeCheck: a constant zero may be assigned to
            # a time ("allow assignments to zero as a special case").
            return self.numeric_coerce(e, t)
        if is_numeric(t) and is_numeric(src):
            if assignable(t, src):
                return self.numeric_coerce(e, t)
            if (
                isinstance(e, A.Const)
                and t.tag == "count"
                and isinstance(e.value, int)
                and e.value >= 0
            ):
                e.type = t
                return e
            self.error(
                e.span,
                f"type clash in {what} ({t} and {src})",
                detail=self.describe_expr(e),
                **self.zeek_promotion(e, t, what),
            )
            return e
        if isinstance(src, TableType) and src.is_unspecified and isinstance(t, TableType):
            e.type = t
            return e
        if isinstance(src, VectorType) and src.elem is None and isinstance(t, VectorType):
            e.type = t
            return e
        if assignable(t, src):
            if isinstance(t, RecordType) and isinstance(src, RecordType) and not same_type(t, src):
                return self.wrap(e, t)
            if (
                isinstance(t, VectorType)
                and isinstance(src, VectorType)
                and t.elem
                and src.elem
                and t.elem.tag == "any"
                and src.elem.tag != "any"
            ):
                return self.wrap(e, t)
            return e
        self.error(
            e.span,
            f"type clash in {what} ({t} and {src})",
            detail=self.describe_expr(e),
            **(self.zeek_assignment(e, t, lhs) or self.zeek_promotion(e, t, what)),
        )
        return e

    def zeek_promotion(self, e: A.Expr, t: Type, what: str) -> dict:
        """Zeek's wording where it promotes a value with ``check_and_promote_expr``
        (src/Expr.cc): the message names the target type, located by its name."""
        if what != "return" and not what.endswith(" value"):
            return {}
        src = e.type
        arith = {"count", "int", "double"}
        if (t.tag in arith) != (src.tag in arith):
            msg = "arithmetic mixed with non-arithmetic"
        elif t.tag in arith:
            msg = "over-promotion of arithmetic value"
        elif isinstance(t, RecordType) and isinstance(src, RecordType):
            msg = "incompatible record types"
        else:
            msg = "type clash"
        where = f"{self.type_where(t)} and {e.span.location()}" if e.span is not None else None
        return {"zeek": f"{msg} ({t.display()} and {self.describe_expr(e)})", "zeek_where": where}

    def wrap(self, e: A.Expr, t: Type) -> A.Coerce:
        c = A.Coerce(e, span=e.span)
        c.type = t
        return c

    def numeric_coerce(self, e: A.Expr, t: Type) -> A.Expr:
        if e.type.tag == t.tag:
            return e
        if isinstance(e, A.Const):
            c = A.Const(
                t.tag, float(e.value) if t.tag == "double" else e.value, e.text, span=e.span
            )
            c.type = t
            return c
        return self.wrap(e, t)

    def unify(self, a: A.Expr, b: A.Expr) -> tuple[A.Expr, A.Expr, Type]:
        """Bring two expressions to a common type (ternary branches, vector items)."""
        ta, tb = a.type, b.type
        if ta.tag == "error" or tb.tag == "error":
            return a, b, ERROR
        if is_numeric(ta) and is_numeric(tb):
            t = max_numeric(ta, tb)
            return self.numeric_coerce(a, t), self.numeric_coerce(b, t), t
        if isinstance(ta, TableType) and ta.is_unspecified:
            return self.coerce(a, tb), b, tb
        if isinstance(tb, TableType) and tb.is_unspecified:
            return a, self.coerce(b, ta), ta
        if isinstance(ta, VectorType) and ta.elem is None:
            return self.coerce(a, tb), b, tb
        if isinstance(tb, VectorType) and tb.elem is None:
            return a, self.coerce(b, ta), ta
        if same_type(ta, tb):
            return a, b, ta
        return a, b, None

    # -------------------------------------------------------------- constants

    def expr_Const(self, e: A.Const, expected):
        e.type = _CONST_TYPES[e.kind]
        k = e.kind
        if k == "count" and e.value > 0xFFFFFFFFFFFFFFFF:
            self.error(e.span, f"integer constant out of range: {e.text}")
        elif k in ("addr", "subnet"):
            import ipaddress

            try:
                if k == "addr":
                    ipaddress.ip_address(e.value)
                else:
                    ipaddress.ip_network(e.value, strict=False)
            except ValueError:
                self.error(e.span, f"bad {k} constant: {e.text}")
                e.type = ERROR
        elif k == "port" and not 0 <= e.value[0] <= 65535:
            self.error(e.span, f"bad port number: {e.text}")
        elif k == "pattern":
            problem = self.pattern_problem(e.value[0], e.value[1])
            if problem:
                self.error(e.span, f"bad pattern: {problem}", e.text)
                e.type = ERROR
        return e

    pattern_problem = None  # set by the host: (text, flags) -> error message or None

    def expr_TypeExpr(self, e: A.TypeExpr, expected):
        e.type = TypeType(self.resolve_type(e.tnode))
        return e

    def expr_Coerce(self, e: A.Coerce, expected):
        return e

    # ------------------------------------------------------------------ names

    def expr_Name(self, e: A.Name, expected):
        if e.name == "_" or e.name.endswith("::_"):
            full = e.name if "::" in e.name else full_name(self.module, e.name)
            self.error(
                e.span,
                "the blank identifier '_' cannot be used as a value",
                zeek=f"blank identifier used in expression ({full.lstrip(':')})",
            )
            e.type = ERROR
            return e
        ident = self.lookup(e.name, e.span)
        if ident is None:
            self.error(
                e.span,
                f"unknown identifier '{e.name}'",
                self.suggest(e.name),
                zeek=f'unknown identifier {e.name}, at or near "{e.name}"',
                syntax=True,
            )
            e.type = ERROR
            return e
        if ident.kind == "type":
            te = A.TypeExpr(A.TypeNode("named", [e.name], span=e.span), span=e.span)
            te.tnode.resolved = ident.value
            te.type = TypeType(ident.value)
            return te
        if not ident.is_global:
            self.check_capture(ident, e)
            self.check_local_in_scope(ident, e)
        else:
            if ident.attrs:
                self.deprecated(e.span, ident.name, ident.attrs)
            if ident.kind == "func":
                self.note_use(ident)
        ident.used = True
        e.id = ident
        e.type = ident.type if ident.type is not None else ERROR
        return e

    def check_capture(self, ident: ID, e: A.Name) -> None:
        """A local of an enclosing body used inside a lambda must be captured."""
        f = self.func
        while f is not None and f is not ident.func:
            f.outer_refs[ident] = None
            if f.kind == "lambda":
                return  # the lambda reports it (capture_error)
            f = f.parent

    def check_local_in_scope(self, ident: ID, e: A.Name) -> None:
        """A local used after the block that declared it ended: Zeek's
        "use of out-of-scope local" (reported once, at the declaration)."""
        block = ident.block
        if block is None or ident.func is not self.func:
            return
        if any(b is block for b in self.func.block_names):
            return
        ident.block = None
        self.error(
            e.span,
            f"'{e.name}' is used outside the block that declares it"
            f" (line {ident.span.line}); declare it before that block",
            zeek=f"use of out-of-scope local; move declaration to outer scope ({e.name})",
            zeek_span=ident.span.first_line(),
        )

    @staticmethod
    def capture_error(desc: str, captured: list[tuple[str, ID]], used: dict[ID, str]) -> str | None:
        """Zeek's ``LambdaExpr::CheckCaptures`` (``src/Expr.cc``): the first
        problem of a capture list (names and the outer IDs they capture)
        against the outer IDs the body uses (``desc``: what has the list)."""
        matched: set[ID] = set()
        for name, ident in captured:
            if ident in matched:
                return f"{name} listed multiple times in capture"
            if ident in used:
                matched.add(ident)
        for ident, name in used.items():
            if ident not in matched:
                return f"{name} is used inside {desc} but not captured"
        for name, ident in captured:
            if ident not in matched:
                return f"{name} is captured but not used inside {desc}"
        return None

    # ------------------------------------------------------- index and fields

    def expr_Index(self, e: A.Index, expected):
        e.base = self.check_expr(e.base)
        bt = e.base.type
        if bt.tag == "error":
            e.indices = self.check_exprs(e.indices)
            e.type = ERROR
            return e
        if isinstance(bt, TableType):
            if self.is_pattern_lookup(bt, e.indices):
                e.indices = self.check_exprs(e.indices)
                e.type = VectorType(bt.yield_) if bt.yield_ is not None else ERROR
                return e
            e.indices = self.check_index_list(e.indices, bt, e)
            if bt.is_set:
                # As in Zeek, indexing a set yields no value (void); it is an
                # error where a value is needed (see void_used).
                e.type = VOID
                e.set_index = True
            else:
                e.type = bt.yield_
            return e
        if isinstance(bt, VectorType):
            if len(e.indices) != 1:
                self.error(e.span, "vector index must be a single count or int")
            e.indices = self.check_exprs(e.indices)
            it = e.indices[0].type
            if (
                isinstance(it, VectorType)
                and it.elem is not None
                and it.elem.tag in ("bool", "count", "int")
            ):
                e.type = bt
                return e
            if it.tag not in ("count", "int", "error"):
                self.error(e.indices[0].span, "vector index must be a count or int")
            e.type = bt.elem or ERROR
            return e
        if bt.tag == "string":
            e.indices = self.check_exprs(e.indices)
            if len(e.indices) != 1 or e.indices[0].type.tag not in ("count", "int", "error"):
                self.error(e.span, "string index must be a count or int")
            e.type = STRING
            return e
        self.error(e.span, f"cannot index a value of type {bt}", detail=self.describe_expr(e.base))
        e.indices = self.check_exprs(e.indices)
        e.type = ERROR
        return e

    def is_pattern_lookup(self, tt: TableType, indices: list[A.Expr]) -> bool:
        """``t["str"]`` / ``"str" in t`` on a ``table[pattern]``: match all patterns."""
        if len(tt.indices) != 1 or tt.indices[0].tag != "pattern" or len(indices) != 1:
            return False
        x = indices[0]
        if isinstance(x, A.Const):
            return x.kind == "string"
        t = self.check_expr(x).type
        return t.tag == "string"

    def check_index_list(
        self, indices: list[A.Expr], tt: TableType, where: A.Node, state=None
    ) -> list[A.Expr]:
        """Check and coerce a table/set index (``t[a, b]`` or ``t[[a, b]]``);
        ``state``: of the table constructor whose index it is."""
        if (
            len(indices) == 1
            and isinstance(indices[0], A.ListCtor)
            and indices[0].fields is None
            and len(tt.indices) > 1
        ):
            indices = indices[0].items
        if tt.is_unspecified:
            return self.check_exprs(indices)
        if len(indices) != len(tt.indices):
            indices = self.check_exprs(indices)
            zeek = {}
            if state is not None and state.mismatch and not state.failed:
                # Zeek's check_and_promote_exprs: about the index types (where
                # they were written) and the index.
                state.failed = True
                types = ListType(tt.indices)
                text = ", ".join(self.describe_expr(x) for x in indices)
                zeek = {
                    "zeek": f"indexing mismatch (list of {types} and {text})",
                    "zeek_where": f"{self.type_where(tt)} and {where.span.location()}",
                }
            self.error(
                where.span,
                f"wrong number of index values ({len(indices)} for {len(tt.indices)})",
                **zeek,
            )
            return indices
        out = []
        for x, t in zip(indices, tt.indices, strict=True):
            x = self.check_expr(x, t)
            if state is not None and not (t.tag == "subnet" and x.type.tag == "addr"):
                out.append(self.promote_element(state, x, t, "index", check=False))
            else:
                out.append(
                    self.index_value(x, t) if len(indices) == 1 else self.coerce(x, t, "index")
                )
        return out

    def index_value(self, x: A.Expr, t: Type) -> A.Expr:
        """One index value; a table indexed by one subnet also takes an
        address (Zeek's ``IndexType::MatchesIndex``)."""
        if t.tag == "subnet" and x.type is not None and x.type.tag == "addr":
            return x
        return self.coerce(x, t, "index")

    def expr_Slice(self, e: A.Slice, expected):
        e.base = self.check_expr(e.base)
        if e.lo is not None:
            e.lo = self.check_expr(e.lo)
        if e.hi is not None:
            e.hi = self.check_expr(e.hi)
        bt = e.base.type
        if bt.tag not in ("string", "vector", "error"):
            self.error(e.span, f"cannot slice a value of type {bt}")
            e.type = ERROR
        else:
            e.type = bt
        return e

    def expr_Field(self, e: A.Field, expected):
        e.base = self.check_expr(e.base)
        bt = e.base.type
        if bt.tag == "error":
            e.type = ERROR
            return e
        if not isinstance(bt, RecordType):
            # Zeek: FieldExpr's constructor (src/Expr.cc), "not a record (r$a)".
            self.error(
                e.span,
                f"'$' applied to a value of type {bt}",
                detail=self.describe_expr(e.base),
                zeek=f"not a record ({self.describe_expr(e)})",
            )
            e.type = ERROR
            return e
        f = bt.field(e.field)
        if f is None:
            self.error(
                e.span,
                f"no field '{e.field}' in record type {bt.display()}",
                self.field_hint(bt, e.field),
                zeek=f"no such field in record ({self.describe_expr(e)})",
            )
            e.type = ERROR
            return e
        e.fdef = f
        e.type = f.type
        if f.attrs:
            self.deprecated(e.span, f"{bt.display()}${f.name}", f.attrs, self.describe_expr(e))
        return e

    def field_hint(self, rt: RecordType, name: str) -> str | None:
        import difflib

        m = difflib.get_close_matches(name, [f.name for f in rt.fields], n=1, cutoff=0.6)
        return f"did you mean '{m[0]}'?" if m else None

    def expr_HasField(self, e: A.HasField, expected):
        e.base = self.check_expr(e.base)
        bt = e.base.type
        e.type = BOOL
        if isinstance(bt, RecordType):
            f = bt.field(e.field)
            if f is None:
                self.error(
                    e.span,
                    f"no field '{e.field}' in record type {bt.display()}",
                    self.field_hint(bt, e.field),
                )
            elif f.attrs:
                what = f"{bt.display()}?${f.name}"
                self.deprecated(e.span, what, f.attrs, self.describe_expr(e))
        elif bt.tag not in ("error", "any"):
            self.error(e.span, f"'?$' applied to a value of type {bt}")
        return e

    # ------------------------------------------------------------------ calls

    def _check_fmt_string(self, e: A.Call) -> None:
        """Zeek's ``check_built_in_call`` (``src/Func.cc``): fmt's first argument is a string."""
        first = e.args[0]
        t = first.expr.type if isinstance(first, A.Coerce) else first.type
        if t.tag not in ("string", "error"):
            self.error(first.span, "first argument to util::fmt() needs to be a format string")

    def expr_Call(self, e: A.Call, expected):
        callee = e.func
        if isinstance(callee, A.Name):
            ident = self.lookup(callee.name, callee.span, report=False)
            if ident is not None and ident.kind == "type":
                return self.type_call(e, ident.value)
        e.func = self.check_expr(callee)
        ft = e.func.type
        if ft.tag == "error":
            self.check_exprs(e.args)
            e.type = ERROR
            return e
        if isinstance(ft, TypeType) and isinstance(ft.type, RecordType):
            return self.record_call(e, ft.type)
        if not isinstance(ft, FuncType):
            self.error(e.span, f"'{self.describe_expr(e.func)}' is not a function")
            self.check_exprs(e.args)
            e.type = ERROR
            return e
        if ft.flavor == "event":
            self.error(e.span, "events cannot be called directly; raise them with 'event'")
        elif ft.flavor == "hook" and not e.in_hook:
            self.error(
                e.span,
                "hook cannot be called directly, use hook operator",
                detail=self.describe_expr(e.func),
            )
        if e.field_args:
            self.error(e.span, "field assignments are only valid in record constructors")
        state = ElementPromotion(e, "argument type mismatch in function call", True)
        e.args = self.check_args(e.args, ft, e, state)
        args_failed = self.promotion_done(state)
        fid = e.func.id if isinstance(e.func, A.Name) else None
        if ft.is_async and not self.in_when_cond:
            self.error(
                e.span,
                f"'{self.describe_expr(e.func)}' is asynchronous: call it in a when condition",
            )
        if fid is not None and fid.value == "bif":
            e.call_kind = "bif"
            if fid.name == "fmt" and e.args:
                self._check_fmt_string(e)
        else:
            e.call_kind = "value"
        result_fn = getattr(ft, "result_fn", None)
        if result_fn is not None:
            # The function sees the arguments' own types, not their `any` conversions.
            orig = [a.expr.type if isinstance(a, A.Coerce) else a.type for a in e.args]
            rt = result_fn(orig, e.args)
            e.type = rt if rt is not None else ft.ret
        else:
            e.type = ft.ret
        if args_failed:
            e.type = ERROR
        return e

    def check_args(
        self, args: list[A.Expr], ft: FuncType, call: A.Node, state: ElementPromotion | None = None
    ) -> list[A.Expr]:
        """Check and coerce a call's arguments (``state``: Zeek's wording for
        one that does not fit, ``check_and_promote_args``)."""
        params = ft.params
        if state is None:
            state = ElementPromotion(call, "argument type mismatch in event invocation", True)
        out: list[A.Expr] = []
        # A function whose one parameter is `any` takes any number of
        # arguments as far as checking goes (Zeek's check_and_promote_args);
        # a script function given more fails when called.
        any_one = len(params) == 1 and params[0].type.tag == "any" and not ft.varargs
        if len(args) > len(params) and not ft.varargs and not any_one:
            self.error(call.span, f"too many arguments ({len(args)} for {len(params)})")
        for i, a in enumerate(args):
            if i < len(params):
                out.append(self.promote_element(state, a, params[i].type, f"argument {i + 1}"))
            else:
                a = self.check_expr(a)
                a = self.coerce(a, ANY, "argument")
                if isinstance(a, A.Coerce):
                    a.quiet = True
                out.append(a)
        if any_one:
            # Zeek leaves these arguments as they are (no coercion to show).
            for a in out:
                if isinstance(a, A.Coerce):
                    a.quiet = True
        for p in params[len(args) :]:
            d = p.attrs.get("&default")
            if d is None:
                self.error(call.span, f"argument '{p.name}' is missing (and has no &default)")
                break
            out.append(d)
        return out

    def type_call(self, e: A.Call, t: Type) -> A.Expr:
        """``T(...)`` where ``T`` names a record, vector, set or table type."""
        if isinstance(t, RecordType):
            return self.record_call(e, t)
        if isinstance(t, VectorType):
            return self.finish_vector(A.VectorCtor(e.args, span=e.span), t)
        if isinstance(t, TableType) and t.is_set:
            return self.finish_set(A.SetCtor(e.args, [], span=e.span), t)
        if isinstance(t, TableType):
            return self.finish_table(A.TableCtor(e.args, [], span=e.span), t)
        self.error(e.span, f"type {t} has no constructor")
        self.check_exprs(e.args)
        e.type = ERROR
        return e

    def record_call(self, e: A.Call, rt: RecordType) -> A.Expr:
        """``R($a=1, ...)``: a typed record constructor."""
        ctor = A.RecordCtor(e.field_args or [], span=e.span)
        if e.args:
            # Zeek's RecordConstructorExpr: each element that is not a field
            # assignment is an error, and then the constructor is not checked
            # for missing fields.
            for a in self.check_exprs(e.args):
                self.error(
                    e.span,
                    "record constructor takes only field assignments ($field=value)",
                    zeek="bad type in record constructor"
                    f" ({self.describe_expr(e)} and {self.describe_expr(a)})",
                )
            ctor = self.expr_RecordCtor(ctor, None)
            ctor.type = rt
            return ctor
        ctor = self.ctor_to_record(self.expr_RecordCtor(ctor, None), rt, self.describe_expr(e))
        if isinstance(ctor, A.RecordCtor):
            ctor.named = rt.name or self.describe_expr(e.func)
        return ctor

    def expr_HookCall(self, e: A.HookCall, expected):
        call = e.call
        if not isinstance(call, A.Call):
            self.error(
                e.span,
                "hook operator needs a hook call",
                zeek=f"not a valid hook call expression ({self.describe_expr(call)})",
            )
            # Zeek goes on with the operand alone (a statement of it is then
            # an ignored value).
            return self.check_expr(call)
        call.in_hook = True
        call = self.expr_Call(call, None)
        e.call = call
        ft = call.func.type if isinstance(call, A.Call) else None
        if isinstance(ft, FuncType) and ft.flavor != "hook":
            self.error(
                e.span,
                "hook operator applied to something that is not a hook",
                zeek=f"hook keyword should only be used to call hooks ({self.describe_expr(call)})",
            )
        e.type = BOOL
        return e

    def event_call(self, call: A.Call) -> A.Call:
        """Check the call of ``event f(...)`` and ``schedule ... { f(...) }``."""
        callee = call.func
        assert isinstance(callee, A.Name)
        ident = self.lookup(callee.name, callee.span)
        if ident is not None and not ident.is_global:
            self.error(
                callee.span,
                f'local identifier "{callee.name}" cannot be used to reference an event',
                # Zeek's parser (src/parse.y, event_hdr) reports it when it has read the ')'.
                zeek=f'local identifier "{callee.name}" cannot be used to reference an event'
                ', at or near ")"',
            )
            self.check_exprs(call.args)
            call.type = ERROR
            return call
        if ident is None:
            # Zeek's EventExpr: the event must be declared (or have a handler) by now.
            self.check_exprs(call.args)
            self.error(callee.span, "not an event", detail=self.describe_expr(call))
            call.type = ERROR
            return call
        ft = ident.type
        callee.id = ident
        callee.type = ft
        ident.used = True
        self.note_use(ident)
        self.deprecated(callee.span, ident.name, ident.attrs)
        if not isinstance(ft, FuncType) or ft.flavor != "event":
            if ft is not None and ft.tag != "error":
                self.error(callee.span, f"'{callee.name}' is not an event")
            call.type = ERROR
            return call
        if call.args and call.args[0].type is None or len(call.args) < len(ft.params):
            state = ElementPromotion(call, "argument type mismatch in event invocation", True)
            call.args = self.check_args(call.args, ft, call, state)
            self.promotion_done(state)
        call.call_kind = "event"
        call.type = VOID
        self.events_raised.setdefault(ident.name, call.span)
        return call

    # -------------------------------------------------------------- operators

    def expr_UnaryOp(self, e: A.UnaryOp, expected):
        op = e.op
        e.operand = self.check_expr(e.operand)
        t = e.operand.type
        if t.tag == "error":
            e.type = ERROR
            return e
        if op == "!":
            if t.tag != "bool":
                self.error(e.span, "requires bool operand", detail=self.describe_expr(e))
            e.type = BOOL
        elif op == "~":
            if t.tag != "count":
                self.error(e.span, "requires count operand", detail=self.describe_expr(e))
            e.type = COUNT
        elif op in ("++", "--"):
            self.check_lvalue(e.operand)
            if t.tag not in ("count", "int"):
                self.error(e.span, "requires an integral operand", detail=self.describe_expr(e))
            e.type = t
        elif op == "-":
            if t.tag == "count":
                e.type = INT
                c = e.operand
                if isinstance(c, A.Const) and isinstance(c.value, int) and c.value > 2**63:
                    # Zeek's parser folds '-' and a count literal (src/parse.y).
                    self.error(
                        e.span,
                        "literal is outside range of 'int' values",
                        detail=f"-{c.value}",
                    )
            elif t.tag in ("int", "double", "interval"):
                e.type = t
            elif isinstance(t, VectorType) and t.elem is not None and is_numeric(t.elem):
                e.type = VectorType(INT if t.elem.tag == "count" else t.elem)
            else:
                self.error(e.span, "requires arithmetic operand", detail=self.describe_expr(e))
                e.type = ERROR
        elif op == "+":
            if t.tag == "count":
                e.type = INT
            elif t.tag in ("int", "double", "interval"):
                e.type = t
            else:
                self.error(e.span, "requires arithmetic operand", detail=self.describe_expr(e))
                e.type = ERROR
        return e

    def expr_BinOp(self, e: A.BinOp, expected):
        op = e.op
        if op in ("&&", "||"):
            e.left = self.check_expr(e.left)
            e.right = self.check_expr(e.right)
            if isinstance(e.left.type, VectorType) and isinstance(e.right.type, VectorType):
                e.type = VectorType(BOOL)
                return e
            for side in (e.left, e.right):
                if side.type.tag not in ("bool", "error"):
                    self.error(
                        side.span, f"operand of {op} must be bool", detail=self.describe_expr(side)
                    )
            e.type = BOOL
            return e
        if op in ("in", "!in"):
            return self.check_in(e)
        e.left = self.check_expr(e.left)
        e.right = self.check_expr(
            e.right, e.left.type if isinstance(e.left.type, TableType) else None
        )
        ta, tb = e.left.type, e.right.type
        if ta.tag == "error" or tb.tag == "error":
            e.type = BOOL if op in ("==", "!=", "<", "<=", ">", ">=") else ERROR
            return e
        if op in ("==", "!=", "<", "<=", ">", ">="):
            if isinstance(ta, VectorType) and isinstance(tb, VectorType) and ta.elem and tb.elem:
                if {ta.elem.tag, tb.elem.tag} == {"string", "pattern"}:
                    # Zeek's EqExpr: matching works on single values only.
                    self.error(
                        e.span,
                        "cannot compare string vectors with pattern vectors",
                        detail=self.describe_expr(e),
                    )
                    e.type = ERROR
                    return e
                if not comparable(op, ta.elem, tb.elem):
                    self.error(
                        e.span, f"illegal comparison ({ta} {op} {tb})", detail=self.describe_expr(e)
                    )
                e.operand_type = ta.elem
                e.type = VectorType(BOOL)
                return e
            if isinstance(ta, TableType) and isinstance(tb, TableType):
                if tb.is_unspecified:
                    e.right = self.coerce(e.right, ta)
                elif ta.is_unspecified:
                    e.left = self.coerce(e.left, tb)
                    ta = tb
            if not comparable(op, ta, tb):
                self.error(
                    e.span, f"illegal comparison ({ta} {op} {tb})", detail=self.describe_expr(e)
                )
            elif is_numeric(ta) and is_numeric(tb):
                e.operand_type = max_numeric(ta, tb)
            else:
                e.operand_type = ta
            e.type = BOOL
            return e
        if op in ("+", "-", "*", "/", "%"):
            if (
                op in ("-",)
                and isinstance(ta, TableType)
                and isinstance(tb, TableType)
                and tb.is_unspecified
            ):
                e.right = self.coerce(e.right, ta)
                tb = ta
            r = arith_result(op, ta, tb)
            if r is None:
                self.error(
                    e.span,
                    f"arithmetic mixed with non-arithmetic ({ta} {op} {tb})",
                    detail=self.describe_expr(e),
                    zeek=f"{_zeek_arith_error(op, ta, tb)} ({self.describe_expr(e)})",
                )
                e.type = ERROR
                return e
            e.type, e.operand_type = r
            return e
        if op in ("&", "|", "^", "<<", ">>"):
            if isinstance(ta, VectorType) and isinstance(tb, VectorType) and ta.elem and tb.elem:
                inner = bitwise_result(op, ta.elem, tb.elem)
                if inner is not None:
                    e.type = VectorType(inner)
                    e.operand_type = inner
                    return e
            r = bitwise_result(op, ta, tb)
            if r is None:
                self.error(
                    e.span,
                    f"requires count operands ({ta} {op} {tb})",
                    detail=self.describe_expr(e),
                )
                e.type = ERROR
                return e
            e.type = r
            e.operand_type = r
            return e
        self.error(e.span, f"unknown operator {op}")
        e.type = ERROR
        return e

    def check_in(self, e: A.BinOp) -> A.Expr:
        e.right = self.check_expr(e.right)
        rt = e.right.type
        e.type = BOOL
        if isinstance(rt, TableType):
            left = e.left
            if isinstance(left, A.ListCtor) and left.fields is None:
                items = left.items
            else:
                items = [left]
            if len(items) == 1 and self.is_pattern_lookup(rt, items):
                e.left = self.check_expr(items[0])
                return e
            # Zeek's InExpr: the table type's MatchesIndex (check_and_promote_exprs).
            state = ElementPromotion(e, "not an index type", True)
            if len(items) == 1 and len(rt.indices) == 1:
                x = self.check_expr(items[0], rt.indices[0])
                if rt.indices[0].tag == "subnet" and x.type.tag == "addr":
                    e.left = x
                else:
                    e.left = self.promote_element(state, x, rt.indices[0], "index", check=False)
            else:
                lst = A.ListCtor(self.check_index_list(items, rt, e, state), None, span=left.span)
                lst.type = ListType([x.type for x in lst.items])
                e.left = lst
            self.promotion_done(state)
            return e
        e.left = self.check_expr(e.left)
        lt = e.left.type
        if rt.tag == "error" or lt.tag == "error":
            return e
        if isinstance(rt, VectorType):
            if lt.tag not in ("count", "int"):
                self.error(
                    e.span,
                    "vector membership needs a count or int index",
                    detail=self.describe_expr(e),
                )
            return e
        if rt.tag == "string" and lt.tag in ("string", "pattern"):
            return e
        if rt.tag == "subnet" and lt.tag == "addr":
            return e
        if lt.tag == "pattern" and rt.tag == "string":
            return e
        if rt.tag == "record" and lt.tag == "string":
            return e
        self.error(e.span, f"'in' not valid for {lt} and {rt}", detail=self.describe_expr(e))
        if rt.tag == "string" and lt.tag not in ("count", "int", "double"):
            # Zeek's MatchesIndex of a string: an int index (a position).
            diag = self.diags.pop()
            self.errors_seen -= 1
            state = ElementPromotion(e, "not an index type", True)
            self.promote_element(state, e.left, INT, "index", check=False)
            self.promotion_done(state)
            self.diags[-3].message, self.diags[-3].detail = diag.message, diag.detail
        return e

    def expr_CondExpr(self, e: A.CondExpr, expected):
        e.cond = self.check_expr(e.cond)
        ct = e.cond.type
        # A record constructor in a branch keeps its own type: Zeek does not
        # coerce records between the alternatives (CondExpr in src/Expr.cc).
        if isinstance(expected, RecordType):
            expected = None
        e.then = self.check_expr(e.then, expected)
        e.orelse = self.check_expr(e.orelse, expected)
        if isinstance(ct, VectorType) and ct.elem is not None and ct.elem.tag == "bool":
            e.then, e.orelse, t = self.unify(e.then, e.orelse)
            e.type = t or ERROR
            return e
        if ct.tag not in ("bool", "error"):
            self.error(e.cond.span, "conditional must be bool", detail=self.describe_expr(e.cond))
        e.then, e.orelse, t = self.unify(e.then, e.orelse)
        if t is None:
            self.error(
                e.span,
                f"operands of ?: must have the same type ({e.then.type} and {e.orelse.type})",
                zeek=f"operands must be of the same type ({self.describe_expr(e)})",
            )
            t = ERROR
        e.type = t
        return e

    def check_lvalue(self, target: A.Expr) -> None:
        if isinstance(target, A.Name):
            ident = target.id
            if ident is None:
                return
            if ident.kind in ("const", "enum"):
                self.error(
                    target.span,
                    f"const '{target.name}' cannot be changed",
                    zeek=f"const is not a modifiable lvalue ({self.describe_expr(target)})",
                )
            elif ident.kind == "option" and self.func is not None and self.func.kind != "top":
                self.error(
                    target.span, f"option '{target.name}' cannot be changed (use Config::set_value)"
                )
            elif ident.kind == "type":
                self.error(target.span, "cannot assign to a type")
            ident.assigned = True
            return
        if isinstance(target, A.Index | A.Slice):
            bt = target.base.type
            if bt is not None and bt.tag == "string":
                # Strings are immutable (Zeek's IndexExpr::MakeLvalue).
                self.error(
                    target.span,
                    "cannot assign to part of a string (strings cannot be changed)",
                    zeek=f"cannot assign to string index expression ({self.describe_expr(target)})",
                )
            return
        if isinstance(target, A.Field):
            return
        if isinstance(target, A.ListCtor):
            return
        self.error(target.span, "illegal assignment target", detail=self.describe_expr(target))

    def expr_Assign(self, e: A.Assign, expected):
        if isinstance(e.target, A.ListCtor) and e.target.fields is None and expected is None:
            # `[k1, k2] = v` inside a table constructor is handled there.
            e.target = self.check_expr(e.target)
            e.value = self.check_expr(e.value)
            e.type = e.value.type
            return e
        e.target = self.check_expr(e.target)
        tt = e.target.type
        if (
            isinstance(e.target, A.Name)
            and isinstance(e.target.id, ID)
            and e.target.id.kind == "func"
            and e.target.id.has_body
            and e.target.id.type.flavor == "function"
        ):
            pass
        if e.op == "=":
            e.value = self.check_expr(e.value, tt)
            zeek = f"can't assign void value ({self.describe_expr(e)})"
            if not self.void_used(e.value, zeek):
                e.value = self.coerce(e.value, tt, "assignment", self.describe_expr(e.target))
        else:
            # `v += vector(...)` types the constructor by its elements: it may be
            # one element of a vector of vectors.  `v += { ... }` is a vector
            # constructor of v's type (Zeek's CheckForRHSList).
            brace = isinstance(e.value, A.BraceInit)
            e.value = self.check_expr(
                e.value, None if isinstance(tt, VectorType) and not brace else tt
            )
            e.value = self.check_compound_rhs(e.op, tt, e.value, e.span, whole=e)
        e.type = tt
        # As Zeek: appending to a vector modifies it in place, so a const vector
        # accepts `+=` (Zeek's own scripts fill `const ... &redef` vectors so).
        # Zeek's parser builds the value (``a = b = c``'s inner assignment)
        # first; an assignment to what cannot be assigned is in error.
        if not (e.op == "+=" and isinstance(tt, VectorType)):
            errors = self.errors_seen
            self.check_lvalue(e.target)
            if self.errors_seen > errors:
                e.type = ERROR
        return e

    def check_compound_rhs(
        self, op: str, tt: Type, value: A.Expr, span, whole: A.Expr | None = None
    ) -> A.Expr:
        """Right side of ``+=`` / ``-=`` for target type ``tt`` (``whole``: the
        assignment, as Zeek's messages show it)."""
        vt = value.type
        if tt.tag == "error" or vt.tag == "error":
            return value
        if isinstance(tt, TableType):
            if isinstance(value, A.BraceInit | A.SetCtor | A.TableCtor) or (
                isinstance(vt, TableType)
            ):
                if isinstance(vt, TableType) and not vt.is_unspecified and not same_type(vt, tt):
                    if not (tt.yield_ is not None and vt.is_set and op == "-="):
                        self.error(span, f"type clash in {op} ({tt} and {vt})")
                    return value
                return self.coerce(
                    value,
                    tt if not (op == "-=" and tt.yield_ is not None and vt.is_set) else vt,
                    op,
                )
            if tt.is_set and len(tt.indices) == 1 and op == "+=":
                return self.coerce(value, tt.indices[0], op)
            self.error(span, f"type clash in {op} ({tt} and {vt})")
            return value
        if tt.tag == "pattern":
            if op != "+=" or vt.tag != "pattern":
                self.error(
                    span,
                    f"type clash in {op} ({tt} and {vt})",
                    zeek="pattern += op requires op to be a pattern"
                    f" ({self.describe_expr(whole or value)})"
                    if op == "+="
                    else None,
                )
            return value
        if isinstance(tt, VectorType) and op == "+=":
            if (
                isinstance(vt, VectorType)
                and tt.elem is not None
                and vt.elem is not None
                and same_type(tt.elem, vt.elem)
            ):
                return value
            if (
                isinstance(vt, VectorType)
                and vt.elem is None
                and not isinstance(tt.elem, VectorType)
            ):
                # ``v += vector()``: appends nothing (unless v holds vectors).
                value.type = tt
                return value
            return self.coerce(value, tt.elem, "vector append") if tt.elem is not None else value
        if is_numeric(tt) and is_numeric(vt):
            if tt.tag != "double" and vt.tag == "double":
                self.error(span, f"type clash in {op} ({tt} and {vt})")
                return value
            return self.numeric_coerce(value, tt) if assignable(tt, vt) else value
        r = arith_result(op[0], tt, vt)
        if r is None or not assignable(tt, r[0]):
            self.error(span, f"type clash in {op} ({tt} and {vt})")
        return value

    def expr_Cast(self, e: A.Cast, expected):
        e.expr = self.check_expr(e.expr)
        t = self.resolve_type(e.target)
        src = e.expr.type
        if e.op == "is":
            e.type = BOOL
            return e
        # A Broker::Data converts itself at run time (Zeek's CastExpr on Broker data).
        broker_data = getattr(src, "name", None) == "Broker::Data"
        if (
            e.op == "as"
            and src.tag not in ("any", "error")
            and t.tag != "error"
            and not broker_data
        ):
            ok = can_cast(src, t)
            if not ok:
                self.error(
                    e.span,
                    f"cannot cast value of type {src} to type {t}",
                    detail=self.describe_expr(e),
                    zeek=f"cast not supported ({self.describe_expr(e)})",
                )
        e.type = BOOL if e.op == "?as" else t
        return e

    def void_used(self, e: A.Expr, zeek: str) -> bool:
        """Report ``e`` (of type void) used as a value; ``zeek`` is Zeek's text."""
        if e.type is None or e.type.tag != "void":
            return False
        if getattr(e, "set_index", False):
            msg = "indexing a set gives no value (use 'in' to test membership)"
        else:
            msg = f"{self.describe_expr(e)} gives no value (its type is void)"
        self.error(e.span, msg, zeek=zeek)
        return True

    def expr_AggrExpr(self, e: A.AggrExpr, expected):
        """``add x`` / ``delete x`` as a value: checked as the statement, void."""
        stmt = (A.AddStmt if e.op == "add" else A.DeleteStmt)(e.target, span=e.span)
        self.check_stmt(stmt)
        e.target = stmt.target
        e.type = VOID
        return e

    def expr_SizeExpr(self, e: A.SizeExpr, expected):
        e.expr = self.check_expr(e.expr)
        if self.void_used(
            e.expr, f"cannot take size of void (sizeof {self.describe_expr(e.expr)})"
        ):
            e.type = ERROR
            return e
        t = size_result(e.expr.type)
        if t is None:
            self.error(e.span, f"|...| not defined for {e.expr.type}")
            t = ERROR
        e.type = t
        return e

    def expr_CopyExpr(self, e: A.CopyExpr, expected):
        e.expr = self.check_expr(e.expr, expected)
        e.type = e.expr.type
        return e

    # ----------------------------------------------------------- constructors

    def expr_ListCtor(self, e: A.ListCtor, expected):
        """``[...]``: a record constructor, or a set/table/vector constructor
        whose kind comes from the context (a set when there is none)."""
        if e.fields is not None:
            return self.expr_RecordCtor(e, expected)
        if isinstance(expected, RecordType):
            e.items = self.check_exprs(e.items)
            e.type = ListType([x.type for x in e.items])
            return self.ctor_to_record(e, expected)
        if not e.items:
            # Zeek's parser: ``[]`` is an empty record constructor.
            e.type = RecordType([])
            return e
        return self.untyped_brace(A.BraceInit(e.items, span=e.span), expected)

    def untyped_brace(self, e: A.BraceInit, expected) -> A.Expr:
        """``{...}`` or ``[...]`` with items: typed by the context, else inferred."""
        if isinstance(expected, TableType | VectorType):
            return self.ctor_with_type(e, expected, "initialization")
        is_table = all(isinstance(x, A.Assign) and x.op == "=" for x in e.items)
        if e.items and is_table:
            return self.finish_table(A.TableCtor(e.items, [], span=e.span), None)
        return self.finish_set(A.SetCtor(e.items, [], span=e.span), None)

    def expr_RecordCtor(self, e, expected):
        fields = []
        seen = set()
        for fa in e.fields:
            fexp = None
            if isinstance(expected, RecordType):
                f = expected.field(fa.name)
                fexp = f.type if f is not None else None
            if _record_ctor(fa.value):
                # Zeek builds ``[...]`` on its own and then coerces it.
                fexp = None
            fa.value = self.check_expr(fa.value, fexp)
            if fa.name in seen:
                self.error(fa.span, f"duplicate field '{fa.name}' in record constructor")
            seen.add(fa.name)
            vt = fa.value.type
            fields.append(Field(fa.name, vt))
        e.type = RecordType(fields)
        if isinstance(expected, RecordType) and not _same_fields(e.type, expected):
            return self.ctor_to_record(e, expected)
        # Of the same type as expected: the coercion that follows decides
        # whether it keeps its own type.
        return e

    def ctor_to_record(
        self, e, rt: RecordType, text: str | None = None, keep_own: bool = False
    ) -> A.Expr:
        """Coerce an untyped record constructor to record type ``rt``; ``text``
        describes the constructor as Zeek does (default: the coercion).

        Zeek assigns without coercing when the types are the same: a
        constructor whose fields are exactly rt's (names, order, types; rt's
        fields without attributes) that is assigned or initializes a variable
        (``keep_own``) keeps its own anonymous type (same_type in
        src/Type.cc), which type_name and cast errors show."""
        coercion = text is None
        own = e.type if keep_own and getattr(e, "fields", None) is not None else None
        if not isinstance(own, RecordType) or not _same_fields(own, rt):
            own = None
        if text is None:
            text = f"(coerce {self.describe_expr(e)} to {rt.display()})"
        if isinstance(e, A.ListCtor) and e.fields is None:
            if e.items:
                self.error(e.span, "record constructor needs $field=value assignments")
            e.type = rt
            return e
        for fa in e.fields:
            f = rt.field(fa.name)
            if f is None:
                self.error(fa.span, f'orphaned field "{fa.name}" in record coercion', detail=text)
                continue
            before = len(self.diags)
            vt = fa.value.type
            if (
                _record_ctor(fa.value)
                and isinstance(f.type, RecordType)
                and not fields_fit(fa.value.fields, f.type)
            ):
                # Zeek's RecordCoerceExpr: a record of fields that cannot
                # become the field's type clashes as a whole.
                self.error(
                    fa.value.span,
                    f"type clash in field '{fa.name}' ({f.type} and {vt.describe()})",
                    _field_misfit(fa.value.fields, f.type),
                    zeek=f'type clash for field "{fa.name}" ({text} and {vt.describe()})',
                    zeek_span=e.span,
                )
                continue
            fa.value = self.coerce(fa.value, f.type, f"field '{fa.name}'")
            if len(self.diags) > before and self.diags[-1].severity == "error":
                self.zeek_field_clash(self.diags[-1], e, fa, f.type, vt, text if coercion else None)
            if f.attrs:
                self.deprecated(e.span, f"{rt.display()}${f.name}", f.attrs, text)
        given = {fa.name for fa in e.fields}
        for f in rt.fields:
            if (
                f.name not in given
                and not f.optional
                and not f.has_default
                and f.type.tag
                not in (
                    "table",
                    "vector",
                    "record",
                )
            ):
                self.error(
                    e.span,
                    f"required field '{f.name}' missing in record constructor",
                    zeek=f'mandatory field "{f.name}" missing ({text})',
                )
                if not coercion:
                    # Zeek's constructor is in error now: it describes itself
                    # without its type's name (RecordConstructorExpr).
                    text = (
                        "["
                        + ", ".join(f"${fa.name}={self.describe_expr(fa.value)}" for fa in e.fields)
                        + "]"
                    )
        e.type = own or rt
        return e

    def zeek_field_clash(self, diag, e, fa, ft: Type, vt: Type, coercion: str | None) -> None:
        """Zeek's wording for a field value of the wrong type: a coerced
        ``[$f=...]`` fails in RecordCoerceExpr ("type clash for field"), a
        named constructor in check_and_promote (``src/Expr.cc``), whose
        messages are about the field's type and the value."""
        if coercion is not None:
            diag.zeek = f'type clash for field "{fa.name}" ({coercion} and {vt})'
            diag.zeek_where = f"{e.span.location()} and {vt}"
            return
        value = self.describe_expr(fa.value)
        arith = ("count", "int", "double")
        if (ft.tag in arith) != (vt.tag in arith):
            diag.zeek = f"arithmetic mixed with non-arithmetic ({ft} and {value})"
        elif ft.tag != vt.tag:
            diag.zeek = f"type clash ({ft} and {value})"
        else:
            return
        diag.zeek_where = f"{ft} and {fa.value.span.location()}"

    def expr_SetCtor(self, e: A.SetCtor, expected):
        tt = expected if isinstance(expected, TableType) and expected.is_set else None
        return self.finish_set(e, tt, retyped=bool(e.items))

    def finish_set(self, e, tt: TableType | None, retyped: bool = False):
        """``set(...)`` of type ``tt`` (written ``T(...)``, or ``retyped`` by
        the context), else of its elements' type."""
        items = []
        state = ElementPromotion(e, "inconsistent type in set constructor", True)
        for x in e.items:
            if tt is not None and not tt.is_unspecified:
                if len(tt.indices) > 1 and isinstance(x, A.ListCtor):
                    x.items = self.check_index_list(x.items, tt, x)
                    x.type = ListType([y.type for y in x.items])
                else:
                    x = self.promote_element(state, x, tt.indices[0], "set element")
            elif isinstance(x, A.ListCtor) and x.fields is None:
                x.items = self.check_exprs(x.items)
                x.type = ListType([y.type for y in x.items])
            else:
                x = self.check_expr(x)
            items.append(x)
        e.items = items
        if tt is None:
            if not items:
                tt = TableType([], None)
            else:
                first = items[0].type
                idx = list(first.types) if isinstance(first, ListType) else [first]
                tt = TableType(idx, None)
                if self.index_has_any(e, tt):
                    e.type = ERROR
                    return e
                for x in items[1:]:
                    xt = x.type
                    xi = list(xt.types) if isinstance(xt, ListType) else [xt]
                    if len(xi) != len(idx) or not all(
                        same_type(a, b) for a, b in zip(xi, idx, strict=True)
                    ):
                        if len(xi) == len(idx) and all(
                            is_numeric(a) and is_numeric(b) for a, b in zip(xi, idx, strict=True)
                        ):
                            continue
                        self.error(x.span, "set elements have different types")
                        break
        attrs = getattr(e, "attrs", [])
        e.attr_map = self.check_attrs(attrs, tt, "ctor") if attrs else {}
        e.type = tt
        if self.promotion_done(state):
            return self.failed_ctor(e, retyped)
        return e

    def expr_TableCtor(self, e: A.TableCtor, expected):
        # Zeek's TableConstructorExpr: table(...) with elements has their type.
        tt = expected if isinstance(expected, TableType) and not expected.is_set else None
        return self.finish_table(e, None if e.items else tt)

    def finish_table(self, e, tt: TableType | None, retyped: bool = False):
        """``table(...)`` of type ``tt`` (written ``T(...)``, or ``{...}``
        ``retyped`` by the context), else of its elements' type."""
        state = ElementPromotion(e, "inconsistent types in table constructor", False)
        items = []
        idx_types = None
        yield_t = None
        if tt is None and any(
            isinstance(x, A.Assign) and not isinstance(x.target, A.ListCtor) for x in e.items
        ):
            # Zeek's TableConstructorExpr (src/Expr.cc): without a type, each
            # key must be an index list.
            self.error(
                e.span,
                "write each key of an untyped table constructor in brackets ([key] = value)",
                zeek="cannot determine type for table; ensure square brackets are around each"
                f" key ({self.describe_expr(e)})",
            )
        for x in e.items:
            if not isinstance(x, A.Assign) or x.op != "=":
                self.error(x.span, "table constructor items must be [index] = value")
                continue
            keys = (
                x.target.items
                if isinstance(x.target, A.ListCtor) and x.target.fields is None
                else [x.target]
            )
            if isinstance(x.target, A.ListCtor) and x.target.trailing_comma:
                # Zeek's parser (src/parse.y, index lists before '=').
                self.error(
                    x.target.span,
                    "no trailing comma in the index list of a table constructor",
                    zeek="incorrect syntax for list expression on left-hand side of"
                    f" assignment: trailing comma not allowed ({_args_text(keys)})",
                )
            if tt is not None and not tt.is_unspecified:
                keys = self.check_index_list(keys, tt, x, state)
                val = self.promote_element(state, x.value, tt.yield_, "table value")
            else:
                keys = self.check_exprs(keys)
                val = self.check_expr(x.value)
                kt = [k.type for k in keys]
                if idx_types is None:
                    idx_types, yield_t = kt, val.type
                elif len(kt) != len(idx_types):
                    self.error(x.span, "table constructor index lists differ in length")
            x.target = A.ListCtor(keys, None, span=x.target.span)
            x.target.type = ListType([k.type for k in keys])
            x.value = val
            x.type = val.type
            items.append(x)
        e.items = items
        if tt is None:
            tt = (
                TableType(idx_types or [], yield_t)
                if idx_types is not None
                else TableType([], ERROR)
            )
            if idx_types is None:
                tt.yield_ = VOID
        attrs = getattr(e, "attrs", [])
        before = len(self.diags)
        e.attr_map = self.check_attrs(attrs, tt, "ctor") if attrs else {}
        if not e.items and len(self.diags) > before:
            self.zeek_ctor_attrs(e, tt, self.diags[before:])
        e.type = tt
        if self.promotion_done(state):
            return self.failed_ctor(e, retyped)
        return e

    def expr_VectorCtor(self, e: A.VectorCtor, expected):
        # Zeek's VectorConstructorExpr: vector(...) with elements has their type.
        vt = expected if isinstance(expected, VectorType) and not e.items else None
        return self.finish_vector(e, vt)

    def finish_vector(self, e, vt: VectorType | None):
        """``vector(...)`` of type ``vt`` (written ``T(...)``), else of its elements' type."""
        if vt is not None and vt.elem is not None:
            state = ElementPromotion(e, "inconsistent types in vector constructor", True)
            e.items = [self.promote_element(state, x, vt.elem, "vector element") for x in e.items]
            e.type = vt
            if self.promotion_done(state):
                return self.failed_ctor(e, False)
            return e
        items = self.check_exprs(e.items)
        if not items:
            e.items = []
            e.type = VectorType(None)
            return e
        t = items[0].type
        failed = False
        for x in items[1:]:
            if is_numeric(t) and is_numeric(x.type):
                t = max_numeric(t, x.type)
            elif not same_type(t, x.type) and x.type.tag != "error":
                self.error(
                    x.span,
                    f"vector elements have different types ({t} and {x.type})",
                    rich_only=failed,
                    **({} if failed else self.zeek_maximal_type(e, t, x.type)),
                )
                if not failed and t.tag == "enum" and x.type.tag == "enum":
                    self.diags.append(
                        Diagnostic(
                            "error",
                            "inconsistent types in list",
                            e.span.first_line(),
                            zeek_only=True,
                        )
                    )
                failed = True
        e.items = [
            self.numeric_coerce(x, t) if is_numeric(t) and is_numeric(x.type) else x for x in items
        ]
        e.type = VectorType(t)
        return e

    def expr_BraceInit(self, e: A.BraceInit, expected):
        if expected is None or expected.tag == "error":
            if not e.items:
                self.error(e.span, "{ } initializer needs a declared type")
                e.type = ERROR
                return e
            return self.untyped_brace(e, None)
        return self.ctor_with_type(e, expected, "initialization")

    def ctor_with_type(self, e, t: Type, what: str, lhs: str | None = None) -> A.Expr:
        """Give a container constructor (or ``{...}``) the context's type ``t``:
        ``{...}`` takes any container type; an empty ``set()`` or ``table()``
        any table or set type, an empty ``vector()`` any vector type (Zeek's
        TableCoerceExpr, VectorCoerceExpr); a ``set(...)`` is built again with
        a set type (``AssignExpr::TypeCheck``)."""
        if isinstance(t, TableType):
            if isinstance(e, A.VectorCtor) or (
                isinstance(e, A.SetCtor) and e.items and not t.is_set
            ):
                pass
            elif t.is_set and isinstance(e, A.BraceInit | A.ListCtor):
                return self.finish_set(A.SetCtor(e.items, [], span=e.span), t, retyped=True)
            elif t.is_set and isinstance(e, A.SetCtor):
                return self.finish_set(e, t, retyped=e.items != [])
            elif isinstance(e, A.BraceInit | A.ListCtor):
                return self.finish_table(A.TableCtor(e.items, [], span=e.span), t, retyped=True)
            elif not e.items:
                return self.finish_table(e, t)
        elif isinstance(t, VectorType):
            if isinstance(e, A.BraceInit | A.ListCtor):
                return self.finish_vector(A.VectorCtor(e.items, span=e.span), t)
            if isinstance(e, A.VectorCtor):
                return self.finish_vector(e, t)
        self.error(
            e.span,
            f"type clash in {what} ({t} and {e.type})",
            **self.zeek_assignment(e, t, lhs),
        )
        return e

    # ---------------------------------------------------------------- lambdas

    def expr_LambdaExpr(self, e: A.LambdaExpr, expected):
        outer = self.func
        ft = self.func_type("function", e.sig)
        info = FuncInfo("lambda", "lambda", ft, outer, self.module)
        info.infer_return = e.infer_return and ft.ret.tag == "void"
        e.info = info
        captured: list[tuple[str, ID, ID]] = []  # name, outer ID, the lambda's copy
        for cap in e.captures or []:
            ident = self.lookup(cap.name, cap.span, report=False)
            if ident is None:
                self.error(cap.span, f"no such local identifier: {cap.name}")
                continue
            if ident.kind == "type":
                self.error(cap.span, f"cannot specify type in capture: {cap.name}")
                continue
            if ident.is_global and not (
                outer is not None and outer.kind == "top" and ident.name in outer.locals
            ):
                self.error(cap.span, f"cannot specify global in capture: {cap.name}")
                continue
            # Capturing it uses it in the enclosing body (a nested lambda's
            # capture of an outer lambda's capture, or of what that one must capture).
            ident.used = True
            if not ident.is_global:
                self.check_capture(ident, cap)
            if any(c[0] is ident for c in info.captures):
                captured.append((cap.name, ident, None))
                continue
            # The lambda's copy is the same variable to Zeek (a local of the
            # same name in the body is "already defined" where it first was).
            cid = ID(ident.name, "local", ident.type, ident.span or cap.span, is_global=False)
            info.block_names[0].add(cap.name)
            cid.py_name = "c_" + cap.name
            cid.func = info
            info.locals[ident.name] = cid
            info.captures.append((ident, cap.deep))
            captured.append((cap.name, ident, cid))
            cap.id = ident
        for p in ft.params:
            pid = ID(full_name(self.module, p.name), "param", p.type, e.sig.span, is_global=False)
            pid.py_name = "v_" + p.name
            pid.func = info
            info.locals[pid.name] = pid
            info.params.append(pid)
        self.check_body(info, e.body)
        e.type = ft
        self.check_lambda_captures(e, captured)
        return e

    def check_lambda_captures(self, e: A.LambdaExpr, captured: list) -> None:
        used = {ident: short_name(ident.name) for ident in e.info.outer_refs}
        cids = {ident: cid for _, ident, cid in captured if cid is not None}
        for ident, cid in cids.items():
            if cid.used:
                used[ident] = short_name(ident.name)
        if e.captures is None:
            if used:
                names = list(used.values())
                self.error(
                    e.span,
                    "lambda uses outer identifiers without [] captures: "
                    + ("e.g., " if len(names) > 1 else "")
                    + names[0],
                )
            return
        problem = self.capture_error("lambda", [(n, i) for n, i, _ in captured], used)
        if problem is not None:
            self.error(e.span, problem, detail=self.describe_expr(e))

    def expr_ScheduleExpr(self, e: A.ScheduleExpr, expected):
        e.delay = self.check_expr(e.delay)
        if e.delay.type.tag not in ("interval", "error"):
            self.error(
                e.delay.span, "schedule needs an interval", detail=self.describe_expr(e.delay)
            )
        e.event = self.event_call(e.event)
        e.type = _TIMER
        return e

    def expr_WhenLocal(self, e: A.WhenLocal, expected):
        f = self.func
        if f is None or f.kind != "when":
            self.error(e.span, "'local' in an expression is only valid in a when condition")
            e.init = self.check_expr(e.init)
            e.type = BOOL
            return e
        e.init = self.check_expr(e.init)
        t = e.init.type
        full = full_name(self.module, e.name)
        lid = ID(full, "local", t, e.span, is_global=False)
        lid.py_name = "v_" + e.name
        lid.func = f
        f.locals[full] = lid
        e.id = lid
        e.type = BOOL
        return e


# Re-exported for sibling modules.
ENUM_T = EnumType


def _same_fields(own: RecordType, rt: RecordType) -> bool:
    """Whether a constructor's own record type is Zeek's same type as ``rt``."""
    if len(own.fields) != len(rt.fields):
        return False
    return all(
        a.name == b.name and not b.attrs and a.type is not None and same_type(a.type, b.type)
        for a, b in zip(own.fields, rt.fields, strict=True)
    )


def _zeek_arith_error(op: str, ta: Type, tb: Type) -> str:
    """Zeek's message for an arithmetic operator given operands it cannot take
    (the constructors of AddExpr ... ModExpr in src/Expr.cc)."""
    vec_a, vec_b = isinstance(ta, VectorType), isinstance(tb, VectorType)
    if vec_a != vec_b:
        return "cannot mix vector and scalar operands"
    if op == "%":
        return "requires integral operands"
    tags = {ta.tag, tb.tag}
    if op == "*" and "interval" in tags:
        return "multiplication with interval requires arithmetic operand"
    if op == "/" and ta.tag == "interval":
        return "division of interval requires arithmetic operand"
    if op == "-" and isinstance(ta, TableType) and isinstance(tb, TableType):
        return 'incompatible "set" operands'
    return "requires arithmetic operands"


def _args_text(es: list[A.Expr]) -> str:
    return ", ".join(expr_text(x) for x in es)


def _record_ctor(e) -> bool:
    """``[$a=...]`` (or ``record(...)``): a record constructor of no declared type."""
    return (
        isinstance(e, A.ListCtor | A.RecordCtor)
        and getattr(e, "fields", None) is not None
        and not getattr(e, "named", None)
    )


def _field_misfit(fields, rt: RecordType) -> str | None:
    """Advice naming the first field that keeps a record constructor from
    becoming a ``rt``."""
    for fa in fields:
        f = rt.field(fa.name)
        vt = fa.value.type
        if f is not None and vt is not None and not assignable(f.type, vt):
            return f"${fa.name} is {vt} here, {f.type} in {rt}"
    return None
