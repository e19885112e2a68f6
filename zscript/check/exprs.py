"""Expression checks (mixed into :class:`~.checker.Checker`).

``check_expr(e, expected)`` resolves names, computes ``e.type`` and returns
the node to use in place of ``e`` (the same node, or a replacement such as a
:class:`~zscript.syntax.ast.Coerce` wrapper).  ``expected`` is the type the
context wants; it lets untyped constructors (``set()``, ``[$a=1]``,
``{ ... }``) take their type from the context, as in Zeek.

This module holds the dispatch, coercions, constants, names, indexing,
fields and lambdas; calls are in :mod:`.calls`, operators and assignments
in :mod:`.operators`, constructors in :mod:`.ctors` (mixed in here).
"""

from __future__ import annotations

from ..syntax import ast as A
from ..syntax.ast import iter_nodes
from ..syntax.printer import expr_text
from ..types import (
    ADDR,
    ANY,
    BOOL,
    COUNT,
    DOUBLE,
    ERROR,
    INTERVAL,
    PATTERN,
    PORT,
    STRING,
    SUBNET,
    VOID,
    EnumType,
    ListType,
    OpaqueType,
    RecordType,
    TableType,
    Type,
    TypeType,
    VectorType,
    is_numeric,
    max_numeric,
    same_type,
)
from .calls import CallChecks
from .ctors import ConstructorChecks
from .operators import OperatorChecks
from .scope import ID, FuncInfo, full_name, short_name
from .typerules import assignable

__all__ = ["ExprChecks"]

_INT_MAX = (1 << 63) - 1

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


class ExprChecks(CallChecks, OperatorChecks, ConstructorChecks):
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
            if not (what == "initialization" and e.retype_failed == "expand"):
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
        if isinstance(e, A.Const) and not (t.tag == "int" and e.value > _INT_MAX):
            # (A count beyond the int range stays a coercion: Zeek reports
            # the overflow when it runs, compile/exprgen.py gen_Coerce.)
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
        self, indices: list[A.Expr], tt: TableType, where: A.Node, state=None, expand=False
    ) -> list[A.Expr]:
        """Check and coerce a table/set index (``t[a, b]`` or ``t[[a, b]]``);
        ``state``: of the table constructor whose index it is; ``expand``: a
        constructor's index, where a set may stand for its members."""
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
            if expand and self.expands(x, t):
                out.append(self.expand_index(x, t))
                continue
            if state is not None and not (t.tag == "subnet" and x.type.tag == "addr"):
                out.append(self.promote_element(state, x, t, "index", check=False))
            else:
                out.append(
                    self.index_value(x, t) if len(indices) == 1 else self.coerce(x, t, "index")
                )
        return out

    @staticmethod
    def expands(x: A.Expr, t: Type) -> bool:
        """Whether ``x``, in a constructor's index where ``t`` is wanted, is a
        set standing for each of its members (Zeek's ``expand_op_elem``: a
        ``[a, b]`` list or a set whose type is not the one wanted there)."""
        xt = x.type
        return (
            isinstance(xt, TableType)
            and xt.is_set
            and len(xt.indices) == 1
            and t.tag not in ("any", "error")
            and not same_type(xt, t)
            and same_type(xt.indices[0], t)
        )

    def expand_index(self, x: A.Expr, t: Type) -> A.Expr:
        """The set ``x`` standing for its members (see :meth:`expands`).  Zeek
        expands while parsing, so a set that is not a constructor must not
        depend on locals."""
        if not isinstance(x, A.SetCtor) and any(
            isinstance(n, A.Name) and isinstance(n.id, ID) and not n.id.is_global
            for n in iter_nodes(x)
        ):
            self.error(
                x.span,
                "a set standing for its members in a constructor must not use local"
                " variables (the constructor is expanded before they have values)",
                zeek="cannot expand constructor elements using a value that depends on local"
                f" variables ({self.describe_expr(x)})",
            )
            x.type = ERROR
            return x
        e = A.ExpandIndex(x, span=x.span)
        e.type = t
        return e

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
