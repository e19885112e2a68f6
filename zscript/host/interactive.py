"""The host's side of the interactive REPL (:mod:`zscript.repl`).

:class:`Interactive` is mixed into :class:`~.core.Host`; the REPL calls only
its ``repl_*`` methods (the transaction rules are in the comment below).
"""

from __future__ import annotations

import os

from ..diagnostics import Diagnostic, SourceFile, Span
from ..loader import Conditionals, resolve_load
from ..resources import stdlib_dir
from ..runtime.errors import ZeekExit
from ..syntax import ast as A
from ..syntax.lexer import IncompleteInput
from ..types import FuncType, RecordType

__all__ = ["Interactive"]


class Interactive:
    """Mixed into :class:`~.core.Host` (see the module docstring)."""

    # ------------------------------------------------------------ REPL support
    #
    # The interactive REPL (``zscript.repl``) feeds the host one input at a
    # time, while the event loop runs; the methods below are its interface.
    #
    # Every input is a transaction for the static state.  ``failed`` is reset
    # when it starts, so an error never latches the host.  The units of an
    # input take effect one at a time, as in a script, and each unit is
    # all-or-nothing: the checker state a unit can touch is saved before it is
    # checked, and if the unit has a static error the state is restored, so
    # none of its names half-exist (declared but never compiled).  Units after
    # a failed one are still checked, for the diagnostics ``zscript check``
    # would print, then forgotten the same way; nothing after the failure runs.
    # A top-level statement runs as soon as it is compiled (before the loop
    # starts it waits for ``zeek_init`` to be queued, as in a script), and the
    # event queue drains when the input is done.
    #
    # Two conveniences bend Zeek's one-definition rule, only here: declaring a
    # ``global`` again with an initializer re-initializes it, and defining a
    # ``function`` again replaces its body (the types must still agree).

    _repl_started = False
    #: During an input: saved checker states to restore when it ends (in reverse).
    _repl_undo: list | None = None

    def repl_start(self) -> None:
        """Start an interactive session: run ``zeek_init`` (once) and the global
        statements loaded so far, and count the REPL as an I/O source so the
        loop keeps running (:meth:`~.engine.loop.EventLoop.run_async`)."""
        self._running = True
        self.checker.interactive = True
        for cb in self.on_start:
            cb()
        self.loop.start(self.global_statements, fatal=False)
        self.global_statements.clear()
        self.loop.sources += 1
        self._repl_started = True

    def repl_stop(self) -> None:
        """End the session: the loop runs Zeek's shutdown (``zeek_done``) and returns."""
        if self._repl_started:
            self._repl_started = False
            self.loop.sources -= 1
            self.loop.stop()  # other I/O sources (a cluster connection) end too

    def repl_abort(self) -> None:
        """Zeek's ``exit()``: drop all pending work, so that the shutdown which
        follows :meth:`repl_stop` dispatches nothing (no ``zeek_done``)."""
        from ..engine.timers import TimerQueue

        self.loop.registry.by_name.clear()
        self.loop.queue.queue.clear()
        self.loop.triggers.clear()
        self.loop.timers = TimerQueue()

    def repl_execute(self, source: SourceFile, *, statement_mode: bool = False) -> list[Diagnostic]:
        """Process the declarations and statements of one input now.

        :param statement_mode: parse as statements from the start, so that
            ``event e(1);`` raises ``e`` instead of starting a handler.
        :returns: the input's diagnostics (errors and warnings), not yet shown.
        """
        return self._repl_transaction(
            lambda: self._repl_run_source(source, keep_module=True, statement_mode=statement_mode)
        )

    def repl_load(self, name: str) -> list[Diagnostic]:
        """``:load NAME``: load a script (a path, or a name ``@load`` finds)."""

        def body() -> None:
            path = name if os.path.isfile(name) else resolve_load(name, ".")
            if path is None:
                self.diagnostics.append(Diagnostic("error", f"can't find {name}"))
                self.failed = True
            elif os.path.realpath(path) in self.loaded:
                msg = f"{name} is already loaded (a script loads once)"
                self.diagnostics.append(Diagnostic("warning", msg))
            else:
                self._repl_load_file(str(path), None)

        return self._repl_transaction(body)

    def repl_evaluate(self, expr: A.Expr) -> tuple[str | None, list[Diagnostic]]:
        """Evaluate a parsed expression; return its value rendered as ``print``
        would (None for a void call or after an error) and the diagnostics.
        A runtime error is reported by the :class:`Reporter`, as in a script."""
        result: list[str | None] = [None]

        def body() -> None:
            from ..runtime.describe import formatter

            e = self._repl_check_expr(expr)
            if e is None:
                return
            fn = self.codegen.compile_expr(e)
            try:
                value = fn()
            except (ZeekExit, KeyboardInterrupt):
                raise
            except Exception as exc:  # noqa: BLE001 - reported like any runtime error
                self.reporter.exception(exc)
                return
            if e.type.tag not in ("void", "error"):
                result[0] = formatter(e.type, True)(value)

        diags = self._repl_transaction(body)
        return result[0], diags

    def repl_type_of(self, expr: A.Expr) -> tuple[str | None, list[Diagnostic]]:
        """The static type of a parsed expression (``:type``); nothing runs and
        the checker is left as it was."""
        result: list[str | None] = [None]

        def body() -> None:
            e = self._repl_check_expr(expr, keep=False)
            if e is not None:
                result[0] = str(e.type)

        diags = self._repl_transaction(body)
        return result[0], diags

    def repl_names(self) -> dict[str, str]:
        """Every name a script can use here, with its kind: ``var``, ``const``,
        ``option``, ``type``, ``enum``, ``function``, ``event``, ``hook``,
        ``local`` (top-level locals) or ``module``."""
        ch = self.checker
        out: dict[str, str] = dict.fromkeys((m for m in ch.modules if m != "GLOBAL"), "module")
        out.update(dict.fromkeys(ch.lazy_globals, "function"))
        for name, gid in ch.globals.items():
            kind = gid.kind
            if kind == "func" and isinstance(gid.type, FuncType):
                kind = gid.type.flavor
            out[name] = kind
        for lid in ch.top.locals.values():
            out[lid.name] = "local"
        return out

    def repl_fields(self, path: list[str]) -> list[str]:
        """Field names of the record reached by ``a$b$c`` (``path`` = a, b, c)."""
        from ..check.scope import full_name

        if not path:
            return []
        ch = self.checker
        name = path[0]
        ident = (
            ch.top.locals.get(full_name(ch.module, name))
            or ch.globals.get(full_name(ch.module, name))
            or ch.globals.get(full_name("GLOBAL", name))
        )
        t = ident.type if ident is not None and ident.kind != "type" else None
        for field in path[1:]:
            f = t.field(field) if isinstance(t, RecordType) else None
            t = f.type if f is not None else None
        return [f.name for f in t.fields] if isinstance(t, RecordType) else []

    def repl_globals(self, *, library: bool = False) -> list[tuple[str, str, str]]:
        """``(kind, name, type)`` of the globals declared by the user (by every
        script, bundled library and built-ins included, with ``library``)."""
        lib = str(stdlib_dir())
        out = []
        for name, gid in sorted(self.checker.globals.items()):
            span = gid.span
            if not library and (
                gid.kind == "enum"
                or span is None
                or span.file is None
                or span.file.path == "<bif>"
                or os.path.realpath(span.file.path).startswith(lib)
            ):
                continue
            kind = gid.kind
            if kind == "func" and isinstance(gid.type, FuncType):
                kind = gid.type.flavor
            t = gid.value if gid.kind == "type" else gid.type
            text = (
                t.describe_fields() if gid.kind == "type" and isinstance(t, RecordType) else str(t)
            )
            out.append((kind, name, text))
        for lid in self.checker.top.locals.values():
            out.append(("local", lid.name, str(lid.type)))
        return out

    def repl_events(self) -> list[tuple[str, str, int]]:
        """``(name, type, number of handlers)`` of every declared or handled event."""
        out = []
        for name, gid in sorted(self.checker.globals.items()):
            if isinstance(gid.type, FuncType) and gid.type.flavor == "event":
                h = self.loop.registry.lookup(name)
                out.append((name, str(gid.type), len(h.handlers) if h is not None else 0))
        return out

    # -- the transaction machinery

    def _repl_transaction(self, body) -> list[Diagnostic]:
        start = len(self.diagnostics)
        self.failed = False
        self._repl_undo = []
        self.loop.update_time()
        ch = self.checker
        try:
            body()
        finally:
            for snap in reversed(self._repl_undo):
                self._repl_restore(snap)
            self._repl_undo = None
            self.failed = False
            ch.take_diagnostics()
            ch.touched_records.clear()
            ch.func = None
            ch.in_when_cond = False
            diags = self.diagnostics[start:]
            del self.diagnostics[start:]
        if self._repl_started:
            self.loop.drain()
            self.loop.wake()  # new timers: the loop recomputes its wait
        return diags

    def _repl_check_expr(self, expr: A.Expr, *, keep: bool = True):
        """Check ``expr`` at the top level; the checked expression, or None.
        Unless ``keep``, what checking declared is forgotten when the input ends."""
        self._repl_undo.append(self._repl_snapshot([]))
        e = self.check_top_expr(expr)
        if e is None:
            return None
        if keep:
            self._repl_undo.pop()
        return e

    def _repl_run_source(
        self, source: SourceFile, *, keep_module: bool, statement_mode: bool = False
    ) -> None:
        """:meth:`load_source`, unit by unit through :meth:`_repl_unit`."""
        saved_module = self.checker.module
        if not keep_module:
            self.checker.module = self.checker.top.module = "GLOBAL"
        conds = Conditionals()
        from ..syntax.parser import UnitParser

        parser = UnitParser(source, lambda d, lx: self._repl_directive(d, lx, source, conds))
        if statement_mode:
            parser.mode = "stmt"
        try:
            for unit in parser.units():
                if parser.errors:
                    self.failed = True
                self._repl_unit(unit)
        except IncompleteInput:
            pass
        finally:
            if not keep_module:
                self.checker.module = self.checker.top.module = saved_module
        if parser.errors:
            self.diagnostics.extend(parser.errors)
            self.failed = True
        if conds.depth:
            span = conds.spans[-1] or Span(source, 1, 1, 1, 1)
            msg = "unbalanced @if ... @endif (missing @endif)"
            self.diagnostics.append(Diagnostic("error", msg, span))
            self.failed = True

    def _repl_load_file(self, path: str, span: Span | None) -> None:
        opened = self.open_once(path, span)
        if opened is None:
            return
        real, text = opened
        self._repl_run_source(SourceFile(path, text), keep_module=False)
        if self.failed:
            # Not loaded: once fixed, the file can be loaded again.
            self.loaded.discard(real)

    def _repl_directive(self, d, lexer, source: SourceFile, conds) -> None:
        if d.name != "load":
            self._directive(d, lexer, source, conds)
            return
        if self.failed:
            return  # nothing after an error takes effect
        if d.arg in self.provided:
            key = "<provided>/" + d.arg
            if key not in self.loaded:
                self.loaded.add(key)
                source = SourceFile(f"<{d.arg}>", self.provided[d.arg])
                self._repl_run_source(source, keep_module=False)
            return
        # Typed input loads relative to the working directory.
        here = "." if source.path.startswith("<") else (os.path.dirname(source.path) or ".")
        target = resolve_load(d.arg, here) if d.arg else None
        if target is None:
            msg = f"can't find {d.arg}" if d.arg else "@load needs a script name"
            self.diagnostics.append(Diagnostic("error", msg, d.span))
            self.failed = True
            return
        self._repl_load_file(str(target), d.span)

    def _repl_unit(self, unit: A.Node) -> None:
        """Process one unit; see the section comment for the all-or-nothing rule."""
        snap = self._repl_snapshot(list(self._repl_unit_ids(unit)))
        if self.failed:
            # Checked for its diagnostics only, then forgotten.
            self._repl_undo.append(snap)
            self.process_unit(unit)
            return
        self._repl_relax(unit)
        n = len(self.global_statements)
        try:
            self.process_unit(unit)
            if self.failed:
                self._repl_undo.append(snap)
                return
            if self._repl_started:
                todo = self.global_statements[n:]
                del self.global_statements[n:]
                for fn in todo:
                    try:
                        fn()
                    except Exception as exc:  # noqa: BLE001 - reported, the input goes on
                        self.reporter.exception(exc)
        except KeyboardInterrupt:
            self._repl_undo.append(snap)
            raise

    def _repl_unit_ids(self, unit):
        """The existing globals a declaration may change (redef, re-declaration ...)."""
        if isinstance(unit, A.ExportDecl):
            for sub in unit.decls:
                yield from self._repl_unit_ids(sub)
            return
        name = getattr(unit, "name", None)
        if isinstance(unit, A.Decl) and isinstance(name, str):
            ch = self.checker
            gid = ch.globals.get(ch.def_name(name)) or ch.globals.get(name.lstrip(":"))
            if gid is not None:
                yield gid

    def _repl_relax(self, unit: A.Node) -> None:
        """Let a REPL input re-initialize a global or replace a function body."""
        if isinstance(unit, A.ExportDecl):
            for sub in unit.decls:
                self._repl_relax(sub)
            return
        for gid in self._repl_unit_ids(unit):
            if isinstance(unit, A.GlobalDecl) and unit.kind == "global" and gid.kind == "var":
                gid.assigned = False
            elif (
                isinstance(unit, A.FuncDecl)
                and unit.flavor == "function"
                and gid.kind == "func"
                and gid.value != "bif"
            ):
                gid.has_body = False

    def _repl_snapshot(self, ids: list) -> tuple:
        """The checker state a unit touching ``ids`` can change."""
        from ..types import EnumType

        ch = self.checker
        id_state = []
        types = []
        for gid in ids:
            protos = list(gid.type.prototypes) if isinstance(gid.type, FuncType) else None
            id_state.append(
                (
                    gid,
                    gid.kind,
                    gid.type,
                    gid.value,
                    dict(gid.attrs),
                    gid.assigned,
                    gid.has_body,
                    gid.info,
                    gid.is_export,
                    protos,
                )
            )
            t = gid.value if gid.kind == "type" else None
            if isinstance(t, RecordType):
                types.append(
                    (t, list(t.fields), dict(t.field_map), [dict(f.attrs) for f in t.fields])
                )
            elif isinstance(t, EnumType):
                types.append((t, dict(t.values), t.next_value, None))
        return (
            dict(ch.globals),
            dict(ch.lazy_globals),
            set(ch.modules),
            (ch.module, ch.top.module, ch.in_export),
            dict(ch.events_raised),
            set(ch.events_handled),
            dict(ch.top.locals),
            id_state,
            types,
        )

    def _repl_restore(self, snap: tuple) -> None:
        from ..types import EnumType

        ch = self.checker
        globs, lazy, modules, where, raised, handled, top_locals, id_state, types = snap
        for mapping, saved in (
            (ch.globals, globs),
            (ch.lazy_globals, lazy),
            (ch.events_raised, raised),
            (ch.top.locals, top_locals),
        ):
            mapping.clear()
            mapping.update(saved)
        ch.modules.clear()
        ch.modules.update(modules)
        ch.events_handled.clear()
        ch.events_handled.update(handled)
        ch.module, ch.top.module, ch.in_export = where
        for gid, kind, t, value, attrs, assigned, has_body, info, export, protos in id_state:
            gid.kind, gid.type, gid.value, gid.attrs = kind, t, value, attrs
            gid.assigned, gid.has_body, gid.info, gid.is_export = assigned, has_body, info, export
            if protos is not None:
                t.prototypes[:] = protos
        for t, a, b, c in types:
            if isinstance(t, EnumType):
                t.values.clear()
                t.values.update(a)
                t.next_value = b
                continue
            t.fields[:] = a
            t.field_map.clear()
            t.field_map.update(b)
            for f, fattrs in zip(t.fields, c, strict=True):
                f.attrs = fattrs
            if t.runtime_class is not None:
                t.runtime_class.refresh()
