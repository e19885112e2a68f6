"""The loading half of the host: each unit of a script is parsed, checked,
compiled and run as it comes.

:class:`ScriptLoading` is mixed into :class:`~zscript.host.Host`.  The
pipeline for each unit of a script, in :meth:`ScriptLoading.process_unit`::

    unit = parser.units()          # stage 1: syntax (one declaration at a time)
    checker.check_unit(unit)       # stage 2: names and types
    codegen.compile_unit(unit)     # stage 3: Python code
    exec(code, namespace)          # declarations take effect at once

``@load`` and ``@if`` are handled between units, so a condition sees every
declaration before it, as in Zeek.  Static errors are collected from every
file; if there is any, nothing runs and :meth:`ScriptLoading.finish_loading`
raises :class:`~zscript.diagnostics.ZScriptError` with them all.

The class uses these attributes of the host: ``checker``, ``codegen``,
``ns`` (the namespace compiled code runs in), ``reporter``, ``diagnostics``,
``failed``, ``loaded`` (files loaded so far, by real path), ``provided``
(generated scripts, see :meth:`ScriptLoading.provide_script`),
``global_statements`` (top-level statements, run when the loop starts) and
``unit_cache`` and ``code_cache`` (a :class:`~.cache.UnitCache` and a
:class:`~.codecache.CodeCache`: files parsed and compiled before are not
parsed and compiled again).
"""

from __future__ import annotations

import os

from ..diagnostics import (
    NO_SPAN,
    Diagnostic,
    SourceFile,
    Span,
    ZScriptError,
    error_format,
    render_runtime,
)
from ..runtime.errors import ZeekExit
from ..syntax import ast as A
from ..syntax.lexer import Directive, IncompleteInput, Lexer
from .params import params_script
from .replay import open_parser
from .search import Conditionals, resolve_load

__all__ = ["ScriptLoading"]

#: Names of script files; other files ``@load`` finds must parse as scripts.
_SCRIPT_SUFFIXES = (".zs", ".zeek", ".bro")


def _parses(source: SourceFile) -> bool:
    """Whether ``source`` is free of syntax errors (directives not followed)."""
    if "\x00" in source.text:
        return False
    from ..syntax.parser import UnitParser  # Lark: only for such files

    parser = UnitParser(source, lambda d, lexer: None)
    try:
        for _ in parser.units():
            if parser.errors:
                return False
    except IncompleteInput:
        return False
    return not parser.errors


class ScriptLoading:
    """Loading scripts into a host (see the module docstring)."""

    def load_file(self, path: str, *, display: str | None = None, span: Span | None = None) -> None:
        opened = self.open_once(path, span)
        if opened is None:
            return
        source = SourceFile(display or path, opened[1])
        if span is not None and not path.endswith(_SCRIPT_SUFFIXES) and not _parses(source):
            # ``@load`` of any file is the user's right, but a file that is
            # no script gets one error, without quoting what it holds.
            self.diagnostics.append(
                Diagnostic("error", f"{source.display} is not a zscript file", span)
            )
            self.failed = True
            return
        self.scripts_loaded.append((path, len(self._loaded_from)))
        self._loaded_from.append(span)
        try:
            self.load_source(source)
        finally:
            self._loaded_from.pop()

    def open_once(self, path: str, span: Span | None) -> tuple[str, str] | None:
        """``(real path, text)`` of a script file not loaded yet, now counted as
        loaded; None if it was loaded before, or after reporting why it can't
        be read."""
        real = os.path.realpath(path)
        if real in self.loaded:
            return None
        try:
            with open(path, encoding="utf-8", errors="surrogateescape") as f:
                text = f.read()
        except OSError as e:
            self.diagnostics.append(Diagnostic("error", f"can't open {path}: {e.strerror}", span))
            self.failed = True
            return None
        self.loaded.add(real)
        return real, text

    def find_script(self, name: str) -> str | None:
        """The file ``@load name`` would load from a top-level script (None if none)."""
        if name in self.provided:
            return None
        found = resolve_load(name, None)
        return str(found) if found is not None else None

    def provide_script(self, name: str, text: str) -> None:
        """Make ``@load name`` load ``text`` (generated scripts such as
        Zeek's ``cluster-layout``)."""
        self.provided[name] = text

    def _load_provided(self, name: str) -> None:
        key = "<provided>/" + name
        if key not in self.loaded:
            self.loaded.add(key)
            self.load_source(SourceFile(f"<{name}>", self.provided[name]))

    def load_source(self, source: SourceFile) -> None:
        """Parse, check, compile and run the declarations of one script."""
        saved_module = self.checker.module
        self.checker.module = "GLOBAL"
        self.checker.top.module = "GLOBAL"
        conds = Conditionals()
        handler = lambda d, lx: self._directive(d, lx, source, conds)  # noqa: E731
        # Zeek's parser stops at the first syntax error, and at the end of any
        # file once there were errors (yywrap in src/scan.l): in Zeek's format
        # we report what Zeek reports.
        zeek = error_format() == "zeek"
        parser = open_parser(self.unit_cache, source, handler, recover=not zeek)
        key = self.unit_cache.key(source.text, source.path)
        self.code_cache.begin(key)
        bodies = self.checker.bodies
        if bodies is not None:
            bodies.enter(f"begin {key}")
        self.pragmas.enter_file(source)
        taken = 0  # parser.errors taken so far (the recorder checks them all)
        try:
            for unit in parser.units():
                taken = self._take_parse_errors(parser, taken)
                if self.parse_stopped:
                    break
                self.process_unit(unit)
        except IncompleteInput:
            pass
        finally:
            self.code_cache.end()
            self.checker.module = saved_module
            if bodies is not None:
                bodies.enter("end")
        self._take_parse_errors(parser, taken)
        # Zeek checks the file's balance when its scanner reaches the end.
        eof_line = source.text.count("\n") + 1
        eof = Span(source, eof_line, 1, eof_line, 1)
        if conds.depth and not self.parse_stopped:
            span = conds.spans[-1] or Span(source, 1, 1, 1, 1)
            self.report(
                Diagnostic(
                    "fatal error",
                    "unbalanced @if ... @endif (missing @endif)",
                    span,
                    zeek="unbalanced @if... @endif",
                    zeek_span=eof,
                    syntax=True,
                )
            )
        problem = self.pragmas.leave_file(eof)
        if problem is not None and not self.parse_stopped:
            self.report(problem)
        if zeek and self.failed:
            self.parse_stopped = True

    def report(self, diag: Diagnostic) -> None:
        """Record a static diagnostic; errors fail the load, and a fatal or
        syntax error ends it where Zeek's would end."""
        self.diagnostics.append(diag)
        if diag.severity != "warning":
            self.failed = True
        if diag.severity == "fatal error" or (diag.syntax and error_format() == "zeek"):
            self.parse_stopped = True

    def _take_parse_errors(self, parser, taken: int) -> int:
        """Record the parser's errors from number ``taken`` on; returns how
        many it has."""
        new = parser.errors[taken:]
        if not new:
            return taken
        eof = getattr(parser, "eof_error", None)
        if eof is not None and not self.failed and eof is new[0]:
            # Zeek locates "at end of file" only when earlier errors stopped
            # its scanner in that file; otherwise the message has no location.
            eof.zeek_span = NO_SPAN
        new = [self._reword_syntax_error(d) for d in new]
        self.diagnostics.extend(new)
        if any(d.syntax for d in new):
            self.parse_stopped = error_format() == "zeek"
        self.failed = True
        return len(parser.errors)

    def _reword_syntax_error(self, diag: Diagnostic) -> Diagnostic:
        """A syntax error in ``redef NAME ...`` where NAME is a type is Zeek's
        "missing record keyword" error (see :meth:`Checker.redef_of_type`)."""
        head = diag.unit_head
        if len(head) == 2 and head[0][0] == "REDEF" and head[1][0] == "ID":
            gid = self.checker.lookup(head[1][1], report=False)
            if gid is not None and gid.kind == "type":
                return self.checker.redef_of_type(head[1][1], gid, head[1][2])
        if (
            len(head) == 2
            and head[0][0] == "ID"
            and diag.span is not None
            and (diag.span.line, diag.span.col) == (head[1][2].line, head[1][2].col)
        ):
            # A statement starting with a name the token after it does not
            # fit: Zeek's parser has looked the name up before it reads that
            # token (src/parse.y), so an unknown name is the error.
            name, span = head[0][1], head[0][2]
            if self.checker.lookup(name, report=False) is None:
                return Diagnostic(
                    "error",
                    f"unknown identifier '{name}'",
                    span,
                    self.checker.suggest(name),
                    zeek=f'unknown identifier {name}, at or near "{name}"',
                    syntax=True,
                )
        return diag

    def process_unit(self, unit: A.Node) -> None:
        ch = self.checker
        try:
            self._process_unit(unit)
        except (RecursionError, SyntaxError, MemoryError) as e:
            # Python's own limits (nesting depth of generated code ...).
            ch.take_diagnostics()
            ch.touched_records.clear()
            what = "too deeply nested" if not isinstance(e, MemoryError) else "too large"
            self.diagnostics.append(
                Diagnostic("error", f"this declaration is {what} for zscript", unit.span)
            )
            self.failed = True

    def _process_unit(self, unit: A.Node) -> None:
        ch = self.checker
        if ch.bodies is not None:
            ch.body_key = ch.bodies.next_key()
        if self.unit_cache.pending and (ch.bodies is None or not ch.bodies.has(ch.body_key)):
            self.unit_cache.load_body(unit)  # checked now, not late
        ch.check_unit(unit)
        ch.body_key = None
        diags = ch.take_diagnostics()
        if diags:
            self.diagnostics.extend(diags)
            if any(d.severity != "warning" for d in diags):
                self.failed = True
            if any(d.syntax for d in diags) and error_format() == "zeek":
                self.parse_stopped = True
        if self.failed:
            ch.touched_records.clear()
            return
        cu = self.codegen.compile_unit(unit, ch.touched_records)
        ch.touched_records.clear()
        try:
            exec(cu.code, self.ns)
        except ZeekExit:
            raise
        except Exception as exc:  # noqa: BLE001 - initialization errors are reported, loading goes on
            self.reporter.exception(exc)
            ident = getattr(unit, "id", None)
            if isinstance(unit, A.GlobalDecl | A.RedefDecl) and ident is not None:
                # Zeek's make_var (src/Var.cc) names the variable too.
                self.reporter.errors += 1
                self.reporter.write(
                    render_runtime("error", "initialization failed", unit.span, ident.name)
                )
        if cu.top_function is not None:
            self.global_statements.append(self.ns[cu.top_function])

    def _directive(
        self, d: Directive, lexer: Lexer, source: SourceFile, conds: Conditionals
    ) -> None:
        name = d.name
        if self.parse_stopped:
            return
        if name == "load":
            if not d.arg:
                self.diagnostics.append(Diagnostic("error", "@load needs a script name", d.span))
                self.failed = True
                return
            if d.arg in self.provided:
                self._load_provided(d.arg)
                return
            here = (
                (os.path.dirname(source.path) or ".") if not source.path.startswith("<") else None
            )
            target = resolve_load(d.arg, here)
            if target is None:
                self.diagnostics.append(Diagnostic("error", f"can't find {d.arg}", d.span))
                self.failed = True
                return
            self.load_file(str(target), span=d.span)
            return
        if name in ("if", "ifdef", "ifndef"):
            if name == "if":
                taken = self._eval_condition(d, source)
            else:
                ident = "".join(t.value for t in d.tokens)
                defined = (
                    self.checker.lookup(ident, report=False) is not None
                    or ident in self.checker.modules
                )
                taken = defined if name == "ifdef" else not defined
            if self.checker.bodies is not None:
                self.checker.bodies.enter(f"{name} {taken}")
            conds.push(taken, d.span)
            if not taken:
                where = lexer.skip_conditional()
                if where == "endif":
                    conds.pop()
            return
        if name == "else":
            if not conds.depth:
                self.report(
                    Diagnostic("error", "@else without @if", d.span, zeek="@else without @if...")
                )
                return
            where = lexer.skip_conditional()
            if where == "endif":
                conds.pop()
            return
        if name == "endif":
            if not conds.pop():
                self.report(
                    Diagnostic(
                        "error", "@endif without @if", d.span, zeek="unbalanced @if... @endif"
                    )
                )
            return
        if name == "pragma":
            problem = self.pragmas.directive(d.arg, d.span)
            if problem is not None:
                self.report(problem)
            return
        if name == "deprecated":
            self._deprecated_script(d)
            return
        if name in ("load-sigs", "load-plugin", "unload", "prefixes", "TEST-START-FILE"):
            return
        self.diagnostics.append(Diagnostic("warning", f"unknown directive @{name}", d.span))

    def _deprecated_script(self, d: Directive) -> None:
        """``@deprecated "advice"``: warn that this script was loaded (Zeek's
        scanner names the loading file and line, ``src/scan.l``)."""
        if self.pragmas.ignore_deprecations:
            return
        by = self._loaded_from[-1] if self._loaded_from else None
        where = (
            f" from {by.filename}:{by.line}"
            if by is not None and by.file
            else " from command line arguments"
        )
        comment = d.arg.strip()
        self.report(Diagnostic("warning", f"deprecated script loaded{where} {comment}", d.span))

    def _eval_condition(self, d: Directive, source: SourceFile) -> bool:
        if not d.tokens:
            self.diagnostics.append(Diagnostic("error", "@if needs a condition", d.span))
            self.failed = True
            return False
        try:
            expr = d.expr
            if expr is None:
                from ..syntax.parser import parse_expression  # Lark: only when parsing

                expr = parse_expression(d.tokens, source)
        except ZScriptError as e:
            self.diagnostics.extend(e.diagnostics)
            self.failed = True
            return False
        if d.locals:
            # Zeek's parser (src/parse.y, @if in a body): one error per local.
            for name in d.locals:
                self.diagnostics.append(
                    Diagnostic(
                        "error",
                        f"@if cannot use the local '{name}': its value is not known while loading",
                        d.span.first_line(),
                        zeek=f"referencing a local name in @if ({name})",
                    )
                )
            from ..syntax.printer import expr_text

            self.diagnostics.append(
                Diagnostic(
                    "error",
                    "invalid expression in @if",
                    d.span.first_line(),
                    detail=expr_text(expr),
                    zeek_only=True,
                )
            )
            self.failed = True
            return False
        expr = self.check_top_expr(expr)
        if expr is None:
            return False
        if expr.type.tag not in ("bool", "error"):
            self.diagnostics.append(Diagnostic("error", "@if condition must be boolean", expr.span))
            self.failed = True
            return False
        if self.failed:
            return False
        fn = self.codegen.compile_expr(expr)
        try:
            return bool(fn())
        except Exception as exc:  # noqa: BLE001
            self.reporter.exception(exc)
            return False

    def check_top_expr(self, expr):
        """Check ``expr`` as the top level sees it (an ``@if`` condition, a
        REPL input); its diagnostics join the host's.  The checked
        expression, or None (and ``failed`` set) when it has an error."""
        ch = self.checker
        saved = ch.func
        ch.func = ch.top
        try:
            expr = ch.check_expr(expr)
        finally:
            ch.func = saved
        diags = ch.take_diagnostics()
        self.diagnostics.extend(diags)
        if any(d.severity == "error" for d in diags):
            self.failed = True
            return None
        return expr

    def lazy_body(self, deferred):
        """``_z_lazy``: the function of a deferred library body, checked and
        compiled into its stub on the first call (:mod:`zscript.check.deferral`)."""
        fn = deferred.done
        if fn is not None:
            return fn
        self.unit_cache.load_body(deferred.decl)
        errors = self.checker.check_deferred(deferred)
        if errors:
            from ..diagnostics import render_all

            raise RuntimeError(
                "internal error: a certified library body does not check:\n" + render_all(errors)
            )
        stub = deferred.stub
        real = self.codegen.compile_deferred(deferred)
        stub.__code__ = real.__code__
        # Found by its code's name (linemap.locate_function), as any function.
        self.ns[real.__name__] = stub
        deferred.done = stub
        self.unit_cache.flush()  # built-ins the body declared
        return stub

    def load_params(self, params: list[str]) -> None:
        """Load command-line redefinitions (``NAME=VALUE``, see :mod:`.params`)."""
        text, errors = params_script(self.checker.globals, params)
        for e in errors:
            self.report(e)
        if text:
            self.load_source(SourceFile("<params>", text))
            # Zeek parses them last, on one line (scan.l), and its scanner
            # position stays there.
            self.reporter.parse_position = "<params>, line 1"

    def finish_loading(self, *, warn_unhandled: bool = True) -> None:
        """Raise :class:`ZScriptError` with every static error found so far."""
        self.unit_cache.flush()
        if warn_unhandled and not self.failed:
            self.diagnostics.extend(self.checker.unhandled_event_warnings())
            if self.options.get("usage_warnings", True):
                usage = self.checker.usage_warnings()
                if self.options.get("defer_usage_warnings"):
                    # For a run: Zeek analyzes usage after InitPostScript,
                    # so a start-up error (a backend's) comes first, alone.
                    self.deferred_diagnostics = usage
                else:
                    self.diagnostics.extend(usage)
        if self.failed:
            raise ZScriptError(self.diagnostics)

    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "warning"]
