"""Statement checks (mixed into :class:`~.checker.Checker`).

Locals are declared in the :class:`~.scope.FuncInfo` of the body being
checked.  Zeek locals are function-wide, so a ``local`` in a nested block is
visible after the block; redeclaring a local with the same type reuses it.
``when`` bodies get a FuncInfo of their own (kind ``when``) whose parent is
the enclosing body: the compiler copies the enclosing locals they use into
the trigger, as Zeek evaluates conditions and bodies on a copy of the frame.
"""

from __future__ import annotations

from ..diagnostics import Span
from ..syntax import ast as A
from ..syntax.printer import stmt_text
from ..types import (
    ANY,
    BOOL,
    COUNT,
    ERROR,
    INT,
    STRING,
    EnumType,
    FuncType,
    RecordType,
    TableType,
    Type,
    VectorType,
    is_numeric,
    same_type,
)
from .scope import ID, FuncInfo, full_name

__all__ = ["StmtChecks"]


def _case_text(c: A.Case) -> str:
    return stmt_text(c)


class StmtChecks:
    def check_stmt(self, s: A.Stmt) -> None:
        method = getattr(self, "stmt_" + type(s).__name__, None)
        if method is None:
            self.error(s.span, f"unsupported statement ({type(s).__name__})")
            return
        method(s)

    def stmt_Block(self, s: A.Block) -> None:
        scopes = self.func.block_names
        scopes.append(set())
        try:
            for x in s.stmts:
                self.check_stmt(x)
        finally:
            scopes.pop()

    def stmt_NullStmt(self, s) -> None:
        pass

    def stmt_ExprStmt(self, s: A.ExprStmt) -> None:
        s.expr = self.check_expr(s.expr)
        if _is_pure(s.expr) and s.expr.type.tag != "error":
            self.warn(s.span, "expression value ignored", detail=self.describe_expr(s.expr))

    def stmt_PrintStmt(self, s: A.PrintStmt) -> None:
        s.exprs = self.check_exprs(s.exprs)
        for x in s.exprs:
            zeek = f"value of type void illegal (print {self.describe_expr(x)})"
            self.void_used(x, zeek)

    def stmt_EventStmt(self, s: A.EventStmt) -> None:
        s.call = self.event_call(s.call)

    def check_cond(self, e: A.Expr, what: str = "conditional in test") -> A.Expr:
        e = self.check_expr(e)
        if e.type.tag not in ("bool", "error"):
            self.error(e.span, f"{what} must be boolean", detail=self.describe_expr(e))
        return e

    def stmt_IfStmt(self, s: A.IfStmt) -> None:
        s.cond = self.check_cond(s.cond)
        self.check_stmt(s.then)
        if s.orelse is not None:
            self.check_stmt(s.orelse)

    def stmt_WhileStmt(self, s: A.WhileStmt) -> None:
        s.cond = self.check_cond(s.cond)
        self.func.loop_depth += 1
        try:
            self.check_stmt(s.body)
        finally:
            self.func.loop_depth -= 1

    def declare_local(
        self, name: str, t: Type, span, kind: str = "local", *, loop: bool = False
    ) -> ID:
        """A new local, or the existing one of that name.  A loop variable
        (``loop``) may be an existing parameter, as in Zeek (parse.y's
        ``for_head`` reuses any local identifier)."""
        f: FuncInfo = self.func
        if name == "_":
            # The blank identifier: may be "declared" any number of times, never read.
            blank = ID("_", kind, t, span, is_global=False)
            blank.py_name = "_"
            blank.func = f
            return blank
        full = full_name(self.module, name)
        existing = f.locals.get(full)
        if existing is not None:
            if existing.kind == "param" and kind == "local" and not loop:
                self.error(span, f"'{name}' redeclared (it is a parameter)")
            elif (
                existing.type is not None
                and t.tag != "error"
                and not same_type(existing.type, t)
                and not self.enum_mix(span, existing.type, t)
            ):
                self.error(
                    span, f"'{name}' redeclared with a different type ({t} and {existing.type})"
                )
            return existing
        gid = self.global_id(full)
        if gid is not None and gid.kind == "const" and f.kind != "top":
            self.error(span, f"already a const identifier: {name}")
        lid = ID(full, kind, t, span, is_global=f.kind == "top")
        lid.func = f
        if f.kind == "top":
            lid.py_name = self.new_py_name(name, "t")
        else:
            lid.py_name = "v_" + name
        f.locals[full] = lid
        return lid

    def stmt_ForStmt(self, s: A.ForStmt) -> None:
        s.iterable = self.check_expr(s.iterable)
        it = s.iterable.type
        key_types: list[Type]
        val_type: Type | None = None
        if isinstance(it, TableType):
            key_types = list(it.indices) if not it.is_unspecified else [ERROR] * len(s.keys)
            if s.value is not None:
                if it.is_set:
                    self.error(s.span, "value variable in a for loop over a set")
                val_type = it.yield_ or ERROR
            if s.keys == ["_"] and len(key_types) > 1 and not s.bracketed:
                key_types = [ERROR]
            elif len(s.keys) != len(key_types) and not it.is_unspecified:
                self.error(
                    s.span, f"wrong number of index variables ({len(s.keys)} for {len(key_types)})"
                )
                key_types = [ERROR] * len(s.keys)
        elif isinstance(it, VectorType):
            key_types = [COUNT]
            val_type = it.elem or ERROR
            if len(s.keys) != 1:
                self.error(s.span, "a for loop over a vector has one index variable")
                key_types = [ERROR] * len(s.keys)
        elif it.tag == "string":
            key_types = [STRING] if s.value is None else [COUNT]
            val_type = STRING
            if len(s.keys) != 1:
                self.error(s.span, "a for loop over a string has one variable")
                key_types = [ERROR] * len(s.keys)
        else:
            if it.tag != "error":
                self.error(
                    s.iterable.span,
                    f"cannot iterate over a value of type {it}",
                    detail=self.describe_expr(s.iterable),
                )
            key_types = [ERROR] * len(s.keys)
            val_type = ERROR if s.value is not None else None
        for name in [*s.keys, *([s.value] if s.value is not None else [])]:
            self.check_loop_variable(name, s)
        s.key_ids = [
            None if k == "_" else self.declare_local(k, t, s.span, loop=True)
            for k, t in zip(s.keys, key_types, strict=False)
        ]
        if s.value is not None:
            s.value_id = (
                None
                if s.value == "_"
                else self.declare_local(s.value, val_type or ERROR, s.span, loop=True)
            )
        self.func.loop_depth += 1
        try:
            self.check_stmt(s.body)
        finally:
            self.func.loop_depth -= 1

    def check_loop_variable(self, name: str, s: A.ForStmt) -> None:
        """Zeek's for statement (``src/parse.y``): a loop variable must not be
        a global or a constant; the error is at that ID's declaration, and
        the loop then fails its type check."""
        if name == "_":
            return
        ident = self.lookup(name, s.span, report=False)
        if ident is None or ident.span is None:
            return
        problems = []
        if ident.is_global and ident.kind in ("var", "const", "option", "func"):
            problems.append("global variable")
        if ident.kind == "const":
            problems.append("constant")
        for what in problems:
            self.error(
                s.span,
                f"{what} '{name}' used as a 'for' loop variable",
                zeek=f"{what} used in 'for' loop ({name})",
                zeek_span=ident.span.first_line(),
            )
        if problems:
            self.error(
                s.span,
                "the loop variable has no type of its own",
                zeek=f"type clash in iteration ({self.describe_expr(s.iterable)} and error)",
                zeek_where=f"{s.span.first_line().location()} and error",
                zeek_only=True,
            )

    def stmt_NextStmt(self, s) -> None:
        if self.func.loop_depth == 0:
            self.error(
                s.span,
                "next statement used outside of for or while loop",
                zeek="next statement used outside of for or while statement. (next )",
            )

    def stmt_BreakStmt(self, s) -> None:
        f = self.func
        if f.loop_depth == 0 and f.switch_depth == 0 and f.kind != "hook":
            self.error(
                s.span,
                "break statement used outside of for, while or switch statement, or hook",
                zeek="break statement used outside of for, while or switch statement"
                " and not within a hook. (break )",
            )

    def stmt_FallthroughStmt(self, s) -> None:
        if self.func.switch_depth == 0:
            self.error(s.span, "fallthrough statement used outside of switch statement")

    def stmt_SwitchStmt(self, s: A.SwitchStmt) -> None:
        """Zeek's SwitchStmt and Case checks (src/Stmt.cc)."""
        s.expr = self.check_expr(s.expr)
        st = s.expr.type
        seen_default = False
        seen_values: set = set()
        seen_types: list = []
        kinds = {
            "values" if c.values is not None else "types" for c in s.cases if c.values or c.types
        }
        if len(kinds) > 1:
            self.error(
                s.span.first_line(),
                "a switch cannot mix value cases and type cases",
                zeek=f"cannot mix cases with expressions and types ({stmt_text(s)})",
            )
        self.func.switch_depth += 1
        try:
            for c in s.cases:
                self.check_case_end(c)
                if c.values is None and c.types is None:
                    if seen_default:
                        self.error(c.span, "multiple default labels")
                    seen_default = True
                elif c.values is not None:
                    vals = []
                    for v in c.values:
                        v = self.check_expr(v, st)
                        if st.tag != "error" and v.type.tag != "error":
                            if is_numeric(st) and is_numeric(v.type):
                                v = (
                                    self.numeric_coerce(v, st)
                                    if v.type.tag != st.tag and st.tag != "count"
                                    else v
                                )
                            elif not same_type(st, v.type) and not isinstance(v.type, EnumType):
                                self.error(
                                    v.span,
                                    f"case label type ({v.type}) differs from switch type ({st})",
                                )
                        key = self.describe_expr(v)
                        if key in seen_values:
                            self.error(v.span, "duplicate case label", detail=key)
                        seen_values.add(key)
                        vals.append(v)
                    c.values = vals
                else:
                    ids = []
                    for tn, name in c.types:
                        t = self.resolve_type(tn)
                        mismatch = t.tag != "error" and not same_type(st, t)
                        if st.tag not in ("any", "error") and mismatch and len(kinds) == 1:
                            self.error(
                                c.span,
                                f"a switch on {st} cannot have a case of type {t}",
                                zeek=f"cannot cast switch expression to case type ({_case_text(c)})",
                            )
                        elif any(same_type(t, x) for x in seen_types):
                            self.error(
                                c.span,
                                f"duplicate case label (type {t})",
                                zeek=f"duplicate case label ({_case_text(c)})",
                            )
                        seen_types.append(t)
                        ids.append(self.declare_local(name, t, c.span) if name else None)
                    c.ids = ids
                    if any(name for _, name in c.types):
                        self.find_fallthrough(c.body)
                for x in c.body:
                    self.check_stmt(x)
        finally:
            self.func.switch_depth -= 1

    def check_case_end(self, c: A.Case) -> None:
        last = c.body[-1] if c.body else None
        while isinstance(last, A.Block) and last.stmts:
            last = last.stmts[-1]
        if not isinstance(last, A.BreakStmt | A.FallthroughStmt | A.ReturnStmt):
            self.error(
                c.span,
                "a case block must end in break, fallthrough or return",
                zeek=f"case block must end in break/fallthrough/return statement ({_case_text(c)})",
            )

    def find_fallthrough(self, stmts) -> None:
        """``fallthrough`` is invalid in a ``case type T as x`` block (nested
        switches aside)."""
        for x in stmts:
            if isinstance(x, A.FallthroughStmt):
                self.error(
                    x.span,
                    "fallthrough is not allowed in a case that binds a value (case type ... as x)",
                    zeek="invalid 'fallthrough' in type-casting 'case' block",
                )
            elif isinstance(x, A.Block):
                self.find_fallthrough(x.stmts)
            elif isinstance(x, A.IfStmt):
                self.find_fallthrough([x.then] + ([x.orelse] if x.orelse else []))
            elif isinstance(x, A.ForStmt | A.WhileStmt):
                self.find_fallthrough([x.body])

    def stmt_ReturnStmt(self, s: A.ReturnStmt) -> None:
        f = self.func
        target = f
        while target is not None and target.kind == "when":
            if not getattr(target, "is_return_when", False):
                break
            target = target.parent
        if target is None or target.kind == "top":
            if s.value is not None:
                s.value = self.check_expr(s.value)
            return
        if target.kind == "when":
            if s.value is not None:
                self.error(s.span, "return value in a when body")
                s.value = self.check_expr(s.value)
            return
        ft = target.ftype
        if target.kind == "event" and s.value is not None:
            s.value = self.check_expr(s.value)
            self.error(
                s.span,
                "event handler cannot return a value",
                zeek=f"return statement cannot have an expression (return ({self.describe_expr(s.value)}))",
            )
            return
        if target.kind == "hook":
            if s.value is not None:
                # Zeek (src/Stmt.cc ReturnStmt): a deprecated no-op, checked as a bool.
                s.value = self.check_expr(s.value, BOOL)
                self.warn(
                    s.span,
                    "returning a value from a hook has no effect (use break to stop"
                    " lower-priority handlers)",
                    zeek="Remove in v9.1: Returning values from a hook is deprecated. Consider"
                    " using 'break' to inhibit lower-priority hooks, otherwise use an empty"
                    f" return if necessary. (return ({self.describe_expr(s.value)}))",
                )
                if s.value.type.tag not in ("bool", "error"):
                    self.coerce(s.value, BOOL, "return")
                s.value = None
            return
        if getattr(target, "infer_return", False) and s.value is not None:
            # The first ``return e`` of a ``$field(args) = { ... }`` lambda sets its type.
            target.infer_return = False
            s.value = self.check_expr(s.value)
            ft.ret = s.value.type
            return
        rt = ft.ret if ft is not None else ERROR
        if s.value is None:
            if rt.tag not in ("void", "error"):
                self.error(s.span, "return statement needs a value")
            return
        if rt.tag in ("void", "error"):
            s.value = self.check_expr(s.value)
            if rt.tag == "void":
                self.error(
                    s.span,
                    "function does not return a value",
                    zeek="return statement cannot have an expression"
                    f" (return ({self.describe_expr(s.value)}))",
                )
            return
        s.value = self.coerce(self.check_expr(s.value, rt), rt, "return")

    def stmt_LocalDecl(self, s: A.LocalDecl) -> None:
        t = self.resolve_type(s.type) if s.type is not None else None
        init = s.init
        if init is not None:
            init = self.check_expr(init, t)
            zeek = f"can't assign void value ({s.name} = {self.describe_expr(init)})"
            if self.void_used(init, zeek):
                init.type = ERROR
            if t is None:
                t = self.infer_type(init)
            if s.init_op != "=":
                # A local has no value to add to (Zeek's add_local, src/Var.cc).
                self.error(s.span, "can't use += / -= for initializations of local variables")
                s.init_op = "="
            init = self.coerce(init, t, "initialization", s.name)
            s.init = init
        elif t is None:
            self.error(
                s.span, f"no type given for local '{s.name}'", zeek=f"no type given ({s.name})"
            )
            t = ERROR
        if s.kind == "const" and init is None:
            self.error(s.span, f"const '{s.name}' needs an initial value")
        scopes = self.func.block_names
        if s.name != "_":
            if any(s.name in names for names in scopes):
                prev = self.func.locals.get(full_name(self.module, s.name))
                self.local_redeclared(s, prev, t)
                if prev is not None:
                    prev.used = True  # Zeek assigns to the one it has
            elif scopes:
                scopes[-1].add(s.name)
        lid = self.declare_local(s.name, t, s.span, "const" if s.kind == "const" else "local")
        if scopes and not lid.is_global:
            lid.block = scopes[-1]
        lid.attrs.update(self.check_attrs(s.attrs, t, "local"))
        lid.attrs.update(getattr(init, "attr_map", None) or {})
        s.id = lid

    def local_redeclared(self, s: A.LocalDecl, prev, t) -> None:
        """A local declared twice in one scope (Zeek's ``add_local``)."""
        where = f" (first declared on line {prev.span.line})" if prev and prev.span else ""
        first = prev.span.first_line() if prev is not None and prev.span else None
        here = s.span.first_line()
        msg = f"already defined: {s.name}{where}"
        if (
            s.init is None
            and isinstance(t, FuncType)
            and isinstance(getattr(prev, "type", None), FuncType)
        ):
            zeek = f"redeclaration of function ({t} and {prev.type})"
            self.error(s.span, msg, zeek=zeek, zeek_span=here, related=first)
            return
        init = s.init.span.first_line() if s.init is not None else None
        self.error(s.span, msg, zeek=f"already defined ({s.name})", zeek_span=first, related=init)

    def stmt_AssertStmt(self, s: A.AssertStmt) -> None:
        s.cond = self.check_cond(s.cond, "conditional")
        if s.msg is not None:
            s.msg = self.check_expr(s.msg)
            if s.msg.type.tag not in ("string", "error"):
                self.error(
                    s.msg.span,
                    "assert message must be a string",
                    zeek=f"message must be string ({self.describe_expr(s.msg)})",
                )

    def stmt_AddStmt(self, s: A.AddStmt) -> None:
        t = s.target
        if not isinstance(t, A.Index):
            self.error(s.span, "add needs a set element (add s[x])")
            s.target = self.check_expr(t)
            return
        t.base = self.check_expr(t.base)
        bt = t.base.type
        if isinstance(bt, TableType) and bt.is_set:
            t.indices = self.check_index_list(t.indices, bt, t)
            t.type = BOOL
            return
        if bt.tag != "error":
            self.error(s.span, f"add applies to sets, not {bt}")
        t.indices = self.check_exprs(t.indices)
        t.type = ERROR

    def stmt_DeleteStmt(self, s: A.DeleteStmt) -> None:
        t = s.target
        if isinstance(t, A.Index):
            t.base = self.check_expr(t.base)
            bt = t.base.type
            if isinstance(bt, TableType):
                t.indices = self.check_index_list(t.indices, bt, t)
                t.type = BOOL
                return
            if isinstance(bt, VectorType):
                # Zeek: only table and set elements can be deleted.
                t.indices = self.check_exprs(t.indices)
                self.error(s.span, "illegal delete expression", detail=self.describe_expr(t))
                t.type = bt.elem or ERROR
                return
            if bt.tag != "error":
                self.error(
                    s.span, f"delete applies to tables, sets, vectors and record fields, not {bt}"
                )
            t.indices = self.check_exprs(t.indices)
            t.type = ERROR
            return
        s.target = self.check_expr(t)
        tt = s.target.type
        if isinstance(s.target, A.Field):
            f = s.target.fdef
            if f is not None and not f.optional and not f.has_default:
                self.error(
                    s.span,
                    "illegal delete statement: field is not &optional",
                    detail=self.describe_expr(s.target),
                    zeek=f"illegal delete expression (delete {self.describe_expr(s.target)})",
                )
            return
        if isinstance(tt, TableType | VectorType) or tt.tag == "error":
            return
        self.error(s.span, "illegal delete statement", detail=self.describe_expr(s.target))

    def stmt_WhenStmt(self, s: A.WhenStmt) -> None:
        outer: FuncInfo = self.func
        if s.is_return:
            if outer.kind != "function":
                self.error(s.span, "return when is only valid in a function")
            outer.is_async = True
        info = FuncInfo("when", "when", outer.ftype, outer, self.module)
        info.is_return_when = s.is_return
        s.info = info
        info.explicit_captures = s.captures is not None
        if s.captures is not None:
            for cap in s.captures:
                ident = self.lookup(cap.name, cap.span, report=False)
                if ident is None or ident.is_global:
                    self.error(cap.span, f"no such local identifier: {cap.name}")
                    continue
                cap.id = ident
                ident.used = True
                self.check_capture(ident, cap)
                info.captures.append((ident, cap.deep))
        self.func = info
        saved_cond = self.in_when_cond
        self.in_when_cond = True
        try:
            s.cond = self.check_expr(s.cond)
            self.in_when_cond = saved_cond
            if s.cond.type.tag not in ("bool", "error") and not isinstance(s.cond, A.WhenLocal):
                self.error(
                    s.cond.span, "when condition must be boolean", detail=self.describe_expr(s.cond)
                )
            self.check_stmt(s.body)
        finally:
            self.func = outer
            self.in_when_cond = saved_cond
        if s.timeout is not None:
            s.timeout = self.check_expr(s.timeout)
            if s.timeout.type.tag not in ("interval", "error"):
                self.error(s.timeout.span, "when timeout requires an interval")
            self.func = info
            try:
                for x in s.timeout_body:
                    self.check_stmt(x)
            finally:
                self.func = outer
        used = {
            ref: short(ref.name)
            for ref in info.outer_refs
            if ref.func is not None and ref.func.kind != "top"
        }
        captured = [(short(ident.name), ident) for ident, _ in info.captures]
        problem = self.capture_error('"when" statement', captured, used)
        if problem is not None:
            # Zeek locates it from the end of the body when there is a timeout.
            where = s.span
            if s.timeout is not None:
                where = Span(s.span.file, s.body.span.end_line, 1, s.span.end_line, s.span.end_col)
            self.error(s.span, problem, detail=stmt_text(s), zeek_span=where)
        # The code of the statement copies every captured local.
        for ident, _ in info.captures:
            info.outer_refs[ident] = None


_IMPURE = (A.Call, A.HookCall, A.Assign, A.ScheduleExpr, A.LambdaExpr, A.WhenLocal)


def _is_pure(e: A.Expr) -> bool:
    """No side effects: evaluating it as a statement does nothing (a likely typo)."""
    for n in A.iter_nodes(e):
        if isinstance(n, _IMPURE) or (isinstance(n, A.UnaryOp) and n.op in ("++", "--")):
            return False
    return True


def short(name: str) -> str:
    return name.rpartition("::")[2]


# Re-exported types used by the checker.
TYPES_USED = (ANY, INT, RecordType)
