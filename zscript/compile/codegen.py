"""Stage 3: checked units to Python source, compiled per unit.

Every top-level unit (declaration or statement) becomes one small Python
module executed in the host's shared namespace, so zscript globals are
Python globals of that namespace and reading one is a ``LOAD_GLOBAL``:

* a function becomes ``def g12_foo(v_a, v_b): ...`` bound under its global
  name; calls are direct Python calls;
* an event or hook body becomes a function registered with its handler in
  priority order; ``break`` in a hook body returns ``False``;
* a lambda becomes a factory taking the captured values, returning a nested
  function that owns them as closure cells (Zeek's copy-capture semantics);
* a ``when`` statement becomes three module-level functions (condition, body,
  timeout body) over a frame object holding the locals they use;
* a global declaration runs its initializer at once, as Zeek does;
* a top-level statement becomes a function the host runs after ``zeek_init``
  is queued.

Nothing walks the AST at run time.  Runtime helpers referenced by generated
code are named ``_z_*`` and installed in the namespace by the host.
"""

from __future__ import annotations

import itertools

from ..check.scope import ID, FuncInfo
from ..runtime import linemap, zeekorder
from ..runtime.linemap import Emitter
from ..runtime.values import field_attr
from ..syntax import ast as A
from ..syntax.printer import expr_text
from ..types import FuncType, RecordType, TableType, VectorType
from . import funcdesc  # noqa: F401 - installs the function describer
from .exprgen import M64, ExprGen, _any_elem, is_backend_global

__all__ = ["CodeGen", "CompiledUnit"]

#: Names in the code of a deferred body compiled late are numbered from
#: LATE_BASE + its serial * LATE_STRIDE (:meth:`CodeGen.compile_deferred`),
#: far above what the shared counter reaches.
LATE_BASE = 10**9
LATE_STRIDE = 10**5

linemap.DESCRIBE[0] = expr_text

#: Numbers the units' file names (``<zscript:N>``) across every host of the
#: process, so that no two units share a line map.
_FILES = itertools.count(1)


class FnCtx:
    """State of the Python function being generated."""

    def __init__(self, info: FuncInfo | None, kind: str):
        self.info = info
        self.kind = kind  # function, event, hook, lambda, when, top, module
        self.globals: set[str] = set()
        self.nonlocals: set[str] = set()
        self.loops = 0
        #: Enclosing switch statements: (case variable, next-flag variable or None).
        self.switches: list[list] = []
        self.lines: list[tuple[int, str, object]] = []
        self.indent = 0

    def add(self, text: str, span) -> None:
        self.lines.append((self.indent, text, span))


class CompiledUnit:
    """The result of compiling one unit: Python code to run in the namespace."""

    def __init__(self, code, filename: str, top_function: str | None):
        self.code = code
        self.filename = filename
        #: Name of the global-statement function to run later (top-level stmts).
        self.top_function = top_function


class CodeGen(ExprGen):
    """Compiles checked units; one instance per host.

    :param ns: the namespace compiled code runs in.
    :param rt: runtime services (``make_pattern``, ``TypeVal`` ...).
    """

    def __init__(self, ns: dict, rt):
        self.ns = ns
        self.rt = rt
        #: Turns generated Python source into a code object; the host may
        #: replace it with a cached version (same arguments as ``compile``).
        self.compile_source = compile
        #: The same for code compiled after loading (the host's may cache it too).
        self.compile_late = lambda source, filename: compile(source, filename, "exec")
        self.counter = [0]
        #: The number of each deferred body's stub, in the order they were
        #: made (see :meth:`compile_deferred`), by ``id`` of the body.
        self.late_serial: dict[int, int] = {}
        self.const_ids: dict[int, str] = {}
        self.keep: list = []
        self.units = 0
        #: The line maps of every unit compiled (:mod:`~zscript.runtime.linemap`
        #: finds a map only while its code generator keeps it).
        self.maps: list[linemap.LineMap] = []
        #: The Zeek names and lazy stubs of the functions of the unit being
        #: generated (they go to its line map).
        self.names: dict[str, str] = {}
        self.stubs: set[str] = set()
        #: The nodes of the markers in the unit being generated (:meth:`mark`).
        self.mark_nodes: dict[int, object] = {}
        self.fn: FnCtx | None = None
        self.hoisted: list[tuple[int, str, object]] = []
        self.in_when_cond = False

    # --------------------------------------------------------------- plumbing

    def emit(self, text: str, span=None) -> None:
        self.fn.add(text, span)

    def indent(self) -> None:
        self.fn.indent += 1

    def dedent(self) -> None:
        self.fn.indent -= 1

    def name_ref(self, ident: ID) -> str:
        if ident.is_global:
            return ident.py_name
        fc = self.fn
        if fc is not None and fc.kind == "when":
            return f"_wf.{ident.py_name}"
        return ident.py_name

    def lvalue_name(self, ident: ID) -> str:
        """Name to assign to; records ``global``/``nonlocal`` needs."""
        ref = self.name_ref(ident)
        fc = self.fn
        if ident.is_global:
            if fc.kind != "module":
                fc.globals.add(ref)
        elif fc.kind == "lambda" and ident.py_name.startswith("c_"):
            fc.nonlocals.add(ref)
        return ref

    def ensure_handler(self, ident: ID) -> None:
        """Bind an event or hook global to its handler object in the namespace."""
        if ident.py_name not in self.ns:
            self.ns[ident.py_name] = self.rt.handler(ident.name, ident.type)

    def function(
        self, name: str, params: list[str], info: FuncInfo | None, kind: str, body, span
    ) -> list:
        """Generate ``def name(params): body`` and return its lines (relative indent)."""
        saved = self.fn
        fc = FnCtx(info, kind)
        self.fn = fc
        try:
            if callable(body):
                body()
            else:
                for s in body:
                    self.stmt(s)
        finally:
            self.fn = saved
        zname = info.name if info is not None and kind != "when" else kind
        if kind == "lambda":
            zname = f"lambda_<{self.counter[0]}>"
        self.names[name] = zname
        lines = [(0, f"def {name}({', '.join(params)}):", span)]
        if fc.globals:
            lines.append((1, "global " + ", ".join(sorted(fc.globals)), span))
        if fc.nonlocals:
            lines.append((1, "nonlocal " + ", ".join(sorted(fc.nonlocals)), span))
        if not fc.lines:
            lines.append((1, "pass", span))
        lines.extend((ind + 1, text, sp) for ind, text, sp in fc.lines)
        if kind in ("function", "lambda") and _may_fall_off(info, body):
            lines.append((1, f"return _z_noreturn({zname!r})", span))
        return lines

    def hoist(self, lines: list) -> None:
        self.hoisted.extend(lines)

    def new_unit(self) -> str:
        """Start a unit: its file name, unique in the process."""
        self.units += 1
        self.names, self.stubs, self.mark_nodes = {}, set(), {}
        return f"<zscript:{next(_FILES)}>"

    def unit_source(self, filename: str, lines) -> str:
        """The Python source of unit ``filename`` from its ``(indent, text,
        span)`` lines; registers its line map, kept as long as this generator."""
        em = Emitter(filename, self.mark_nodes)
        for ind, text, span in lines:
            em.indent = ind
            em.emit(text, span)
        em.map.names, em.map.stubs = self.names, self.stubs
        self.maps.append(em.register())
        return em.source()

    # ------------------------------------------------------------------ units

    def compile_unit(self, unit: A.Node, touched_records: list[RecordType]) -> CompiledUnit:
        filename = self.new_unit()
        self.hoisted = []
        module = FnCtx(None, "module")
        self.fn = module
        top_fn = None
        try:
            for rt in touched_records:
                self.record_defaults(rt)
            if isinstance(unit, A.Decl):
                self.decl(unit)
            else:
                top_fn = f"_top{self.units}"
                lines = self.function(top_fn, [], None, "top", [unit], unit.span)
                self.hoist(lines)
        finally:
            self.fn = None
        source = self.unit_source(filename, self.hoisted + module.lines)
        code = self.compile_source(source, filename, "exec")
        cu = CompiledUnit(code, filename, top_fn)
        cu.source = source
        return cu

    def compile_expr(self, e: A.Expr):
        """Compile a checked expression into a zero-argument function (``@if``)."""
        filename = self.new_unit()
        name = f"_cond{self.units}"
        self.hoisted = []
        lines = self.function(
            name, [], None, "function", lambda: self.emit(f"return {self.expr(e)}", e.span), e.span
        )
        source = self.unit_source(filename, self.hoisted + lines)
        exec(self.compile_late(source, filename), self.ns)
        return self.ns[name]

    def record_defaults(self, rt: RecordType) -> None:
        """Compile the ``&default`` (and implicit aggregate) initializers of fields."""
        cls = self.rclass(rt)
        for f in rt.fields:
            if f.default is not None or getattr(f, "compiled", False):
                continue
            d = f.attrs.get("&default")
            if d is not None:
                code = self.expr(d)
                creation = not isinstance(d, A.Const)
            elif not f.optional and f.type.tag in ("record", "table", "vector"):
                code = self.default_value(f.type, f.attrs)
                creation = False
            else:
                continue
            self.emit(f"_z_setdefault({cls}, {f.name!r}, lambda: {code}, {creation})", None)

    # ----------------------------------------------------------- declarations

    def decl(self, d: A.Decl) -> None:
        getattr(self, "decl_" + type(d).__name__)(d)

    def decl_ModuleDecl(self, d) -> None:
        pass

    def decl_ExportDecl(self, d: A.ExportDecl) -> None:
        for sub in d.decls:
            self.decl(sub)

    def decl_TypeDecl(self, d) -> None:
        pass

    def decl_RedefEnum(self, d) -> None:
        pass

    def decl_RedefRecord(self, d) -> None:
        pass

    def decl_RedefFieldAttrs(self, d) -> None:
        pass

    def decl_GlobalDecl(self, d: A.GlobalDecl) -> None:
        ident = d.id
        if ident is None:
            return
        t = ident.type
        if isinstance(t, FuncType) and t.flavor in ("event", "hook"):
            self.ensure_handler(ident)
            if d.init is None:
                return
        if d.init is not None:
            if d.init_op == "=":
                code = self.with_decl_attrs(d.init, ident.attrs, ident.name)
            else:
                code = self.compound_value(_NameOf(ident), d.init_op, d.init, ident.py_name)
            self.emit(f"{ident.py_name} = {code}", d.span)
        elif ident.py_name not in self.ns:
            code = self.default_value(t, ident.attrs, ident.name)
            if code is not None:
                self.emit(f"{ident.py_name} = {code}", d.span)

    def decl_RedefDecl(self, d: A.RedefDecl) -> None:
        ident = d.id
        if ident is None or d.init is None:
            if ident is not None and d.attrs and isinstance(ident.type, TableType):
                kw = self.attr_kwargs(self.container_attrs(ident.attrs), ident.type, ident.name)
                if kw:
                    self.emit(
                        f"{ident.py_name} = _z_withattrs({ident.py_name}, {self.tconst(ident.type)}, {kw})",
                        d.span,
                    )
            return
        combine = getattr(d, "combine", None)
        if combine is not None:
            # &add_func / &delete_func: the function makes the new value.
            code = f"{self.expr(combine)}({ident.py_name}, {self.expr(d.init)})"
        elif d.init_op == "=":
            code = self.with_decl_attrs(d.init, ident.attrs, ident.name)
        else:
            code = self.compound_value(_NameOf(ident), d.init_op, d.init, ident.py_name)
        self.emit(f"{ident.py_name} = {code}", d.span)

    def decl_FuncDecl(self, d: A.FuncDecl) -> None:
        ident = d.id
        info = d.info
        if ident is None or info is None:
            return
        params = [self.param_name(p) for p in info.params]
        flavor = d.flavor
        if flavor == "function":
            if info.deferred is not None:
                lines = self.lazy_stub(ident.py_name, params, info.deferred, d.header_span)
            else:
                lines = self.function(
                    ident.py_name, params, info, "function", d.body.stmts, d.header_span
                )
            self.hoist(lines)
            self.emit(f"{ident.py_name}._ztype = {self.tconst(ident.type)}", d.header_span)
            self.emit(f"{ident.py_name}._zname = {ident.name!r}", d.header_span)
            self.emit(f"{ident.py_name}._zspan = {self.const(d.span, 'span')}", d.header_span)
            self.emit(f"{ident.py_name}._zdecl = {self.const(d, 'decl')}", d.header_span)
            return
        self.ensure_handler(ident)
        fname = f"_h{self.site()}"
        if info.deferred is not None:
            lines = self.lazy_stub(fname, params, info.deferred, d.header_span)
        else:
            lines = self.function(fname, params, info, flavor, d.body.stmts, d.header_span)
        self.hoist(lines)
        prio = info.priority_expr
        pcode = self.expr(prio) if prio is not None else "0"
        self.emit(f"_z_addhandler({ident.name!r}, {fname}, {pcode})", d.header_span)

    def lazy_stub(self, name: str, params: list[str], deferred, span) -> list:
        """A function ``name`` whose body the checker deferred
        (:mod:`zscript.check.deferral`): its first call has ``_z_lazy`` check
        and compile the body (:meth:`compile_deferred`), which becomes the
        function's code, so the function object stays the one bound here."""
        k = self.const(deferred, "D")
        self.late_serial.setdefault(id(deferred), len(self.late_serial))
        self.stubs.add(name)
        args = ", ".join(params)
        self.emit(f"{k}.stub = {name}", span)
        return [
            (0, f"def {name}({args}):", span),
            (1, f"return _z_lazy({k})({args})", span),
        ]

    def compile_deferred(self, deferred):
        """The Python function of a deferred body, checked since (see :meth:`lazy_stub`)."""
        d: A.FuncDecl = deferred.decl
        info: FuncInfo = d.info
        saved = (self.fn, self.hoisted, self.in_when_cond, self.counter[0])
        saved_unit = (self.names, self.stubs, self.mark_nodes)
        # The names the body's code makes (temporaries, constants, sites) are
        # numbered from a base of its own, not from the shared counter, whose
        # value depends on everything compiled before (the user's scripts):
        # so the body's source, and the code cache's key, are the same in
        # every start, and ``compile_late`` finds its code.
        serial = self.late_serial.get(id(deferred))
        if serial is not None:
            self.counter[0] = LATE_BASE + serial * LATE_STRIDE
        filename = self.new_unit()
        name = f"_lazy{self.site()}"
        kind = "function" if d.flavor == "function" else d.flavor
        self.hoisted, self.in_when_cond = [], False
        self.fn = FnCtx(None, "module")
        try:
            params = [self.param_name(p) for p in info.params]
            lines = self.function(name, params, info, kind, d.body.stmts, d.header_span)
            if serial is not None and self.counter[0] >= LATE_BASE + (serial + 1) * LATE_STRIDE:
                raise RuntimeError(f"internal error: {name} needs more than {LATE_STRIDE} names")
            source = self.unit_source(filename, self.hoisted + lines)
        finally:
            self.fn, self.hoisted, self.in_when_cond, self.counter[0] = saved
            self.names, self.stubs, self.mark_nodes = saved_unit
        exec(self.compile_late(source, filename), self.ns)
        return self.ns[name]

    def param_name(self, p: ID) -> str:
        return p.py_name

    # ------------------------------------------------------------- statements

    def stmt(self, s: A.Stmt) -> None:
        getattr(self, "stmt_" + type(s).__name__)(s)

    def body(self, stmts: list[A.Stmt], span) -> None:
        self.indent()
        n = len(self.fn.lines)
        for s in stmts:
            self.stmt(s)
        if len(self.fn.lines) == n:
            self.emit("pass", span)
        self.dedent()

    def sub(self, s: A.Stmt) -> None:
        stmts = s.stmts if isinstance(s, A.Block) else [s]
        self.body(stmts, s.span)

    def stmt_Block(self, s: A.Block) -> None:
        for x in s.stmts:
            self.stmt(x)

    def stmt_NullStmt(self, s) -> None:
        pass

    def stmt_ExprStmt(self, s: A.ExprStmt) -> None:
        e = s.expr
        if isinstance(e, A.Assign):
            self.assign_stmt(e, s)
            return
        if isinstance(e, A.UnaryOp) and e.op in ("++", "--"):
            self.emit(
                self.mark(self.incdec(e.operand, 1 if e.op == "++" else -1, want_value=False), e),
                s.span,
            )
            return
        self.emit(self.expr(e), s.span)

    def assign_stmt(self, e: A.Assign, s) -> None:
        t = e.target
        if isinstance(t, A.ListCtor):
            self.emit(self.expr(e), s.span)
            return
        if isinstance(t, A.Name):
            ref = self.lvalue_name(t.id)
            if e.op == "=":
                value = self.expr(e.value)
                if is_backend_global(t.id):
                    # The replicated table stays; its contents are replaced.
                    value = f"_z_backend_assign({ref}, {value})"
            else:
                value = self.compound_value(t, e.op, e.value, ref)
            self.emit(f"{ref} = {value}", s.span)
            return
        if isinstance(t, A.Field):
            base = self.expr(t.base)
            attr = field_attr(t.field)
            if e.op == "=":
                self.emit(f"{self.mark(base, t.base)}.{attr} = {self.expr(e.value)}", s.span)
                return
            if not _simple(base):
                tmp = self.temp()
                self.emit(f"{tmp} = {base}", s.span)
                base = tmp
            cur = self.mark(f"{base}.{attr}", t)
            self.emit(f"{base}.{attr} = {self.compound_value(t, e.op, e.value, cur)}", s.span)
            return
        if isinstance(t, A.Index):
            base = self.expr(t.base)
            bt = t.base.type
            if isinstance(bt, VectorType):
                idx = self.expr(t.indices[0])
                if e.op == "=":
                    vset = "_z_vset_any" if _any_elem(bt) else "_z_vset"
                    self.emit(self.mark(f"{vset}({base}, {idx}, {self.expr(e.value)})", e), s.span)
                    return
                if not _simple(base):
                    tmp = self.temp()
                    self.emit(f"{tmp} = {base}", s.span)
                    base = tmp
                if not _simple(idx):
                    tmp = self.temp()
                    self.emit(f"{tmp} = {idx}", s.span)
                    idx = tmp
                cur = self.mark(f"{base}[{idx}]", t)
                self.emit(
                    self.mark(
                        f"{'_z_vset_any' if _any_elem(bt) else '_z_vset'}"
                        f"({base}, {idx}, {self.compound_value(t, e.op, e.value, cur)})",
                        e,
                    ),
                    s.span,
                )
                return
            if e.op == "=":
                key = self.store_key(t.indices, bt, tuple_form=False)
                # (The target is marked: a warning about the store names it.)
                target = self.mark(f"{self.mark(base, t.base)}[{key}]", t)
                self.emit(f"{target} = {self.expr(e.value)}", s.span)
                return
            if not _simple(base):
                tmp = self.temp()
                self.emit(f"{tmp} = {base}", s.span)
                base = tmp
            ktmp = self.temp()
            self.emit(f"{ktmp} = {self.key_tuple(t.indices)}", s.span)
            cur = self.mark(f"{base}[{ktmp}]", t)
            self.emit(f"{base}[{ktmp}] = {self.compound_value(t, e.op, e.value, cur)}", s.span)
            return
        if isinstance(t, A.Slice):
            lo = self.expr(t.lo) if t.lo is not None else "None"
            hi = self.expr(t.hi) if t.hi is not None else "None"
            self.emit(
                self.mark(
                    f"_z_slice_assign({self.expr(t.base)}, {lo}, {hi}, {self.expr(e.value)})", e
                ),
                s.span,
            )
            return
        self.emit(self.expr(e), s.span)

    def stmt_PrintStmt(self, s: A.PrintStmt) -> None:
        exprs = s.exprs
        if exprs and exprs[0].type is not None and exprs[0].type.tag == "file":
            # ``print f, ...`` writes the line into the file.
            # The values go separately: a redirect to the print log
            # (``Log::print_to_log``) logs each of them.
            parts = ", ".join(self.print_parts(exprs[1:]))
            self.emit(f"_z_fprint({self.expr(exprs[0])}, {parts})", s.span)
            return
        self.emit(f"_z_print({', '.join(self.print_parts(s.exprs))})", s.span)

    def stmt_EventStmt(self, s: A.EventStmt) -> None:
        call = s.call
        ident = call.func.id
        if ident is None:
            return
        self.ensure_handler(ident)
        args = ", ".join(self.expr(a) for a in call.args)
        # Straight onto the event queue (a deque's bound append): raising is hot.
        self.emit(
            f"_z_qappend(({self.name_ref(ident)}, ({args}{',' if call.args else ''})))", s.span
        )

    def stmt_IfStmt(self, s: A.IfStmt) -> None:
        self.emit(f"if {self.expr(s.cond)}:", s.span)
        self.sub(s.then)
        orelse = s.orelse
        while isinstance(orelse, A.IfStmt):
            self.emit(f"elif {self.expr(orelse.cond)}:", orelse.span)
            self.sub(orelse.then)
            orelse = orelse.orelse
        if orelse is not None:
            self.emit("else:", orelse.span)
            self.sub(orelse)

    def stmt_WhileStmt(self, s: A.WhileStmt) -> None:
        self.emit(f"while {self.expr(s.cond)}:", s.span)
        self.fn.loops += 1
        self.fn.switches.append(None)
        try:
            self.sub(s.body)
        finally:
            self.fn.loops -= 1
            self.fn.switches.pop()

    def loop_target(self, ident: ID | None) -> str:
        if ident is None:
            return "_"
        return self.lvalue_name(ident)

    def stmt_ForStmt(self, s: A.ForStmt) -> None:
        it = self.expr(s.iterable)
        t = s.iterable.type
        keys = [self.loop_target(k) for k in s.key_ids]
        ktarget = keys[0] if len(keys) == 1 else "(" + ", ".join(keys) + ")"
        zloop = None
        if isinstance(t, TableType):
            if s.value is None:
                kind, target = "keys", ktarget
            elif all(k is None for k in s.key_ids):
                kind, target = "values", self.loop_target(s.value_id)
            else:
                kind, target = "items", f"{ktarget}, {self.loop_target(s.value_id)}"
            if zeekorder.active():
                # Zeek's order: a snapshot in that order; the table counts as
                # being iterated until the loop ends (runtime.zeekorder.begin_loop).
                zloop = self.temp()
                self.emit(f"{zloop} = _z_zloop({it}, {kind!r})", s.span)
                self.emit("try:", s.span)
                self.indent()
                seq = f"{zloop}[1]"
            else:
                # Iterate over a snapshot unless the body cannot modify any table.
                snap = "list" if _may_modify_tables(s.body) else ""
                seq = f"{snap}({it})" if kind == "keys" else f"{snap}({it}.{kind}())"
            head = f"for {target} in {seq}:"
        elif isinstance(t, VectorType):
            if s.value is not None:
                items = "_z_vitems_any" if _any_elem(t) else "_z_vitems"
                head = f"for {ktarget}, {self.loop_target(s.value_id)} in {items}({it}):"
            else:
                head = f"for {ktarget} in _z_vindices({it}):"
        elif t.tag == "string":
            if s.value is not None:
                head = f"for {ktarget}, {self.loop_target(s.value_id)} in enumerate({it}):"
            else:
                head = f"for {ktarget} in {it}:"
        else:
            head = f"for {ktarget} in ():"
        self.emit(head, s.span)
        self.fn.loops += 1
        self.fn.switches.append(None)
        try:
            self.sub(s.body)
        finally:
            self.fn.loops -= 1
            self.fn.switches.pop()
        if zloop is not None:
            self.dedent()
            self.emit("finally:", s.span)
            self.indent()
            self.emit(f"_z_zdone({zloop}[0])", s.span)
            self.dedent()

    def stmt_NextStmt(self, s) -> None:
        sw = self.innermost_switch()
        if sw is not None:
            if sw[1] is None:
                sw[1] = self.temp()
            self.emit(f"{sw[1]} = True", s.span)
            self.emit("break", s.span)
            return
        self.emit("continue", s.span)

    def innermost_switch(self):
        """The switch a ``next`` or ``break`` belongs to, if it is nearer than a loop."""
        for sw in reversed(self.fn.switches):
            return sw
        return None

    def stmt_BreakStmt(self, s) -> None:
        if not self.fn.switches and self.fn.kind == "hook":
            self.emit("return False", s.span)
            return
        self.emit("break", s.span)

    def stmt_FallthroughStmt(self, s) -> None:
        sw = self.innermost_switch()
        if sw is not None:
            self.emit(f"{sw[0]} += 1", s.span)
            sw.append("fell")

    def stmt_ReturnStmt(self, s: A.ReturnStmt) -> None:
        if s.value is None:
            if self.fn.kind == "hook":
                self.emit("return None", s.span)
            else:
                self.emit("return", s.span)
            return
        self.emit(f"return {self.expr(s.value)}", s.span)

    def stmt_SwitchStmt(self, s: A.SwitchStmt) -> None:
        val = self.temp()
        cvar = self.temp()
        self.emit(f"{val} = {self.expr(s.expr)}", s.span)
        default_idx = -1
        table: list[tuple[str, int]] = []
        constant = True
        type_cases: list[tuple[str, int]] = []
        for i, c in enumerate(s.cases):
            if c.values is None and c.types is None:
                default_idx = i
            elif c.values is not None:
                for v in c.values:
                    inner = v.expr if isinstance(v, A.Coerce) else v
                    if not (
                        isinstance(inner, A.Const)
                        or (
                            isinstance(inner, A.Name)
                            and inner.id is not None
                            and inner.id.kind == "enum"
                        )
                    ):
                        constant = False
                    table.append((self.expr(v), i))
            else:
                for tn, _name in c.types:
                    type_cases.append((self.tconst(tn.resolved), i))
        if type_cases:
            pairs = ", ".join(f"({t}, {i})" for t, i in type_cases)
            self.emit(f"{cvar} = _z_typecase({val}, ({pairs},), {default_idx})", s.span)
        else:
            # The first case listing a value wins, as Zeek rejects duplicates anyway.
            items = ", ".join(f"{k}: {i}" for k, i in reversed(table))
            if constant:
                const = self.const(eval(f"{{{items}}}", self.ns), "sw")  # noqa: S307 - generated literals
                self.emit(f"{cvar} = {const}.get({val}, {default_idx})", s.span)
            else:
                self.emit(f"{cvar} = {{{items}}}.get({val}, {default_idx})", s.span)
        sw = [cvar, None]
        self.fn.switches.append(sw)
        start = len(self.fn.lines)
        self.emit("while True:", s.span)
        self.indent()
        for i, c in enumerate(s.cases):
            self.emit(f"if {cvar} == {i}:", c.span)
            self.indent()
            if c.types is not None and c.ids:
                for ident in c.ids:
                    if ident is not None:
                        self.emit(f"{self.lvalue_name(ident)} = _z_unbox({val})", c.span)
            n = len(self.fn.lines)
            fell = len(sw)
            for x in c.body:
                self.stmt(x)
            if len(sw) == fell:
                self.emit("break", c.span)
            elif len(self.fn.lines) == n:
                self.emit("pass", c.span)
            del sw[2:]
            self.dedent()
        self.emit("break", s.span)
        self.dedent()
        self.fn.switches.pop()
        if sw[1] is not None:
            self.fn.lines.insert(start, (self.fn.indent, f"{sw[1]} = False", s.span))
            self.emit(f"if {sw[1]}:", s.span)
            self.indent()
            outer = self.innermost_switch()
            if outer is not None:
                if outer[1] is None:
                    outer[1] = self.temp()
                self.emit(f"{outer[1]} = True", s.span)
                self.emit("break", s.span)
            else:
                self.emit("continue", s.span)
            self.dedent()

    def stmt_LocalDecl(self, s: A.LocalDecl) -> None:
        ident = s.id
        if ident is None:
            return
        ref = self.lvalue_name(ident)
        if s.init is not None:
            if s.init_op == "=":
                code = self.with_decl_attrs(s.init, ident.attrs)
            else:
                code = self.compound_value(s, s.init_op, s.init, ref)
            self.emit(f"{ref} = {code}", s.span)
            return
        code = self.default_value(ident.type, ident.attrs)
        if code is not None:
            self.emit(f"{ref} = {code}", s.span)

    def stmt_AssertStmt(self, s: A.AssertStmt) -> None:
        msg = f"lambda: {self.expr(s.msg)}" if s.msg is not None else "None"
        text = expr_text(s.cond, quotes=True)
        self.emit(self.mark(f"_z_assert({self.expr(s.cond)}, {text!r}, {msg})", s), s.span)

    def stmt_AddStmt(self, s: A.AddStmt) -> None:
        t = s.target
        if isinstance(t, A.Index):
            self.emit(
                self.mark(f"{self.expr(t.base)}.zadd({self.store_key(t.indices, t.base.type)})", t),
                s.span,
            )

    def stmt_DeleteStmt(self, s: A.DeleteStmt) -> None:
        t = s.target
        if isinstance(t, A.Index):
            bt = t.base.type
            if isinstance(bt, VectorType):
                self.emit(
                    self.mark(f"_z_vdelete({self.expr(t.base)}, {self.expr(t.indices[0])})", t),
                    s.span,
                )
            else:
                self.emit(
                    self.mark(f"{self.expr(t.base)}.zdelete({self.key_tuple(t.indices)})", t),
                    s.span,
                )
            return
        if isinstance(t, A.Field):
            self.emit(f"{self.expr(t.base)}.__dict__.pop({field_attr(t.field)!r}, None)", s.span)
            return
        self.emit(f"{self.expr(t)}.zclear()", s.span)

    # ------------------------------------------------------------ when, lambda

    def stmt_WhenStmt(self, s: A.WhenStmt) -> None:
        info = s.info
        n = self.site()
        frame = f"_wf{n}"
        self.emit(f"{frame} = _z_Frame()", s.span)
        deep = {ident for ident, d in info.captures if d}
        for ident in info.outer_refs:
            ref = self.name_ref(ident)
            val = f"_z_copy({ref})" if ident in deep else ref
            self.emit(f"{frame}.{ident.py_name} = {val}", s.span)
        cond_name, body_name, to_name = f"_wc{n}", f"_wb{n}", f"_wt{n}"

        def cond_body():
            self.in_when_cond = True
            try:
                self.emit(f"return {self.expr(s.cond)}", s.cond.span)
            finally:
                self.in_when_cond = False

        saved_cond = self.in_when_cond
        self.in_when_cond = False
        try:
            self.hoist(self.function(cond_name, ["_wf"], info, "when", cond_body, s.span))
            body_stmts = s.body.stmts if isinstance(s.body, A.Block) else [s.body]
            self.hoist(self.function(body_name, ["_wf"], info, "when", body_stmts, s.span))
            if s.timeout_body is not None:
                self.hoist(self.function(to_name, ["_wf"], info, "when", s.timeout_body, s.span))
        finally:
            self.in_when_cond = saved_cond
        timeout = self.expr(s.timeout) if s.timeout is not None else "None"
        tfn = to_name if s.timeout_body is not None else "None"
        call = self.mark(
            f"_z_when({cond_name}, {body_name}, {timeout}, {tfn}, {frame}, {s.is_return})", s
        )
        if s.is_return:
            self.emit(f"return {call}", s.span)
        else:
            self.emit(call, s.span)

    def lambda_factory(self, e: A.LambdaExpr) -> str:
        info = e.info
        n = self.site()
        factory = f"_mkL{n}"
        inner = f"_L{n}"
        caps = [f"c_{ident.name.rpartition('::')[2]}" for ident, _ in info.captures]
        params = [p.py_name for p in info.params]
        inner_lines = self.function(inner, params, info, "lambda", e.body.stmts, e.span)
        lines = [(0, f"def {factory}({', '.join(caps)}):", e.span)]
        lines.extend((ind + 1, text, sp) for ind, text, sp in inner_lines)
        lines.append((1, f"{inner}._ztype = {self.tconst(e.type)}", e.span))
        lines.append((1, f"{inner}._zname = 'lambda_<{n}>'", e.span))
        lines.append((1, f"{inner}._zlambda = True", e.span))
        lines.append((1, f"{inner}._zdecl = {self.const(e, 'decl')}", e.span))
        lines.append((1, f"return {inner}", e.span))
        self.hoist(lines)
        return factory


class _NameOf:
    """Adapter giving ``compound_value`` a target with a type for a global ID."""

    def __init__(self, ident: ID):
        self.type = ident.type


_MUTATING = (A.Call, A.HookCall, A.AddStmt, A.DeleteStmt, A.WhenStmt, A.LambdaExpr)


def _may_fall_off(info: FuncInfo | None, body) -> bool:
    """Whether a function with a result may end without ``return`` (Zeek then
    warns: "non-void function returning without a value")."""
    ft = info.ftype if info is not None else None
    if ft is None or ft.ret is None or ft.ret.tag == "void" or callable(body):
        return False
    return not body or not isinstance(body[-1], A.ReturnStmt)


def _may_modify_tables(body) -> bool:
    """Could executing ``body`` insert into or delete from a table or set?

    Calls are assumed to (they may do anything); so are assignments whose
    target is a table element or a whole table (``t += ...``).
    """
    for n in A.iter_nodes(body):
        if isinstance(n, _MUTATING):
            return True
        if isinstance(n, A.Assign) and (
            isinstance(n.target, A.Index) or isinstance(n.target.type, TableType)
        ):
            return True
        if isinstance(n, A.UnaryOp) and n.op in ("++", "--") and isinstance(n.operand, A.Index):
            return True
    return False


def _simple(code: str) -> bool:
    return code.replace("_", "").replace(".", "").isalnum()


# Used by exprgen for statement-level count updates.
MASK = M64
