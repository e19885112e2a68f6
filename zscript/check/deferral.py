"""Library bodies checked on first call, where an earlier check found them clean.

Every start loads the same library (``base/init-bare`` ...), and most of its
function, event and hook bodies never run in a given process.  Checking and
compiling them all is most of the start-up time, so a body the library
loader certifies (:attr:`DeferredBodies.bodies`, see
:mod:`zscript.loader.checked`) is checked when it is first called instead:

* **What is certified**: the body of one library unit in one *context* (the
  files, texts and ``@if`` outcomes loaded before it, and zscript's checker),
  checked eagerly by an earlier start without a single diagnostic.  The same
  body in the same context checks the same way, so no diagnostic a user could
  see is lost: a body never checked clean is checked at once, as always.
* **What the early check left behind** is recorded with the certificate and
  put back when the body is deferred (:class:`BodySummary`): the functions,
  events and hooks the body names (usage warnings), the events it raises
  (unhandled-event warnings), and whether it holds ``return when`` (its
  callers compile differently).
* **The late check** (:meth:`DeferredBodies.check_deferred`) sees only the
  globals declared before the body (:attr:`ID.seq` against
  :attr:`DeferredBodies.cutoff`), in the body's module, so names resolve as
  they did when it was certified.  An error there (impossible unless the
  cache was tampered with) is returned to the caller, which raises it.

The header (signature, prototype, attributes) is always checked at once: a
deferred declaration still declares its global and handler.
"""

from __future__ import annotations

import sys

from ..diagnostics import Diagnostic, Span
from ..syntax import ast as A
from .scope import FuncInfo

__all__ = ["BodySummary", "DeferredBodies"]


class BodySummary:
    """What checking one body did besides its diagnostics (see the module docstring).

    ``raised`` holds ``(event name, line, col, end_line, end_col)`` of the
    raises that came first, located in the body's file."""

    __slots__ = ("is_async", "raised", "uses")

    def __init__(self, uses: tuple[str, ...], raised: tuple[tuple, ...], is_async: bool):
        self.uses = uses
        self.raised = raised
        self.is_async = is_async

    def __reduce__(self):
        return (BodySummary, (self.uses, self.raised, self.is_async))


class Deferred:
    """A body left unchecked: what its late check needs."""

    __slots__ = ("checked", "cutoff", "decl", "done", "stub")

    def __init__(self, decl: A.FuncDecl, cutoff: int, *, checked: bool = False):
        self.decl = decl
        self.cutoff = cutoff
        #: True when the body was checked already (it is only compiled late).
        self.checked = checked
        #: The function compiled code calls (bound by the code generator), and
        #: it again once its body was checked and compiled into it.
        self.stub = None
        self.done = None


class DeferredBodies:
    """Mixed into the checker (see the module docstring)."""

    def init_deferral(self) -> None:
        #: The certificates of clean bodies (``get(key)``/``put(key, summary)``),
        #: set by the loader while the library is loaded; None: check every body.
        self.bodies = None
        #: The certificate key of the unit being checked (set by the loader).
        self.body_key: str | None = None
        #: Globals declared after this count are invisible (a late check).
        self.cutoff = sys.maxsize

    def check_or_defer_body(self, d: A.FuncDecl, info: FuncInfo) -> None:
        """Check ``d``'s body now, or defer it if it is certified clean."""
        bodies, key = self.bodies, self.body_key
        self.body_key = None
        if bodies is None or key is None:
            self.check_body(info, d.body)
            return
        summary = bodies.get(key)
        if summary is not None:
            self._replay(info, d, summary)
            info.deferred = Deferred(d, self._py_counter)
            return
        owner = info.name
        uses_before = set(self.uses.get(owner, ()))
        raised_before = set(self.events_raised)
        diags_before = len(self.diags)
        self.check_body(info, d.body)
        if len(self.diags) != diags_before:
            return
        new = [(n, sp) for n, sp in self.events_raised.items() if n not in raised_before]
        if any(sp is None or sp.file is not d.span.file for _, sp in new):
            return  # a raise located elsewhere: not recordable, keep checking it
        uses = tuple(sorted(self.uses.get(owner, set()) - uses_before))
        raised = tuple((n, sp.line, sp.col, sp.end_line, sp.end_col) for n, sp in new)
        bodies.put(key, BodySummary(uses, raised, info.is_async))
        # Compiled on first call as in the starts to come, so that their code
        # is the code this start compiled (and cached).
        info.deferred = Deferred(d, self._py_counter, checked=True)

    def _replay(self, info: FuncInfo, d: A.FuncDecl, summary: BodySummary) -> None:
        if summary.uses:
            self.uses.setdefault(info.name, set()).update(summary.uses)
        source = d.span.file
        for name, line, col, end_line, end_col in summary.raised:
            self.events_raised.setdefault(name, Span(source, line, col, end_line, end_col))
        info.is_async = summary.is_async

    def check_deferred(self, deferred: Deferred) -> list[Diagnostic]:
        """Check a deferred body as it would have been checked in its place;
        returns its errors (warnings are dropped: the body was certified without any)."""
        if deferred.checked:
            return []
        d = deferred.decl
        info: FuncInfo = d.info
        saved = (self.module, self.func, self.in_when_cond, self.cutoff, self.diags)
        self.module, self.cutoff, self.diags = info.module, deferred.cutoff, []
        self.in_when_cond = False
        try:
            self.check_body(info, d.body)
            return [x for x in self.diags if x.severity != "warning"]
        finally:
            self.module, self.func, self.in_when_cond, self.cutoff, self.diags = saved
