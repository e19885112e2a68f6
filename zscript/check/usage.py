"""Zeek's usage analysis: event handlers nothing can raise, functions nothing calls.

After loading, Zeek (``src/script_opt/UsageAnalyzer.cc``, run unless
``--no-unused-warnings``) warns about

* an event or hook that no reachable code can invoke:
  ``handler for non-existing event cannot be invoked (NAME)``, typically a
  misspelt event name (``event zeek_inti()``);
* a script function that no reachable code calls:
  ``non-exported function does not have any callers (NAME)``.

Reachability starts from *seeds* and follows the functions, events and
hooks each body names:

* every global with ``&is_used`` or ``&deprecated``;
* every event that is not a *script event*; a script event is one first
  declared by a user script outside an ``export`` block, or first met as a
  handler with no declaration (Zeek's ``register_new_event``).  Events the
  library declares stand for Zeek's built-in events and are seeds;
* every other global that is exported or in module ``GLOBAL``;
* whatever is named outside any body: global initializers, attributes,
  type declarations, top-level statements (Zeek follows these only from a
  reachable global; we count them all, so we warn no more than Zeek does).

The report lists globals by name, as Zeek walks its global scope: first
the unreachable events and hooks, then the unreachable functions (those
only an unreachable handler calls included, as Zeek does).

:class:`UsageChecks` is mixed into the checker, which calls
:meth:`UsageChecks.note_use` when a body names a function, event or hook
(a set insertion: this runs for the whole prelude at every start).
"""

from __future__ import annotations

import os

from ..diagnostics import Diagnostic
from ..types import FuncType
from .scope import GLOBAL, ID, FuncInfo, module_of

__all__ = ["UsageChecks"]

#: Bodies whose references are followed from the body's own global.
_OWNERS = ("function", "event", "hook")


class UsageChecks:
    """Recording uses while checking, and the warnings at the end of loading."""

    def init_usage(self) -> None:
        #: Function/event/hook name -> the names of the functions, events and
        #: hooks its bodies name.
        self.uses: dict[str, set[str]] = {}
        #: Names used outside any body (always reachable).
        self.seed_uses: set[str] = set()
        #: Zeek's script events (see the module docstring).
        self.script_events: set[str] = set()
        #: The library's directory (a real path), and whether the prelude is
        #: being loaded: the events they declare are seeds.
        self.library_path: str | None = None
        self.in_library = False

    def note_use(self, ident: ID) -> None:
        """The body being checked names the global function/event/hook ``ident``."""
        f: FuncInfo | None = self.func
        if f is not None:
            while f.parent is not None:
                f = f.parent
            if f.kind in _OWNERS:
                uses = self.uses.get(f.name)
                if uses is None:
                    uses = self.uses[f.name] = set()
                uses.add(ident.name)
                return
        self.seed_uses.add(ident.name)

    def note_script_event(self, gid: ID) -> None:
        """``gid`` is an event first introduced here (see the module docstring)."""
        if self.in_library:
            return
        span = gid.span
        lib = self.library_path
        if (
            lib is not None
            and span is not None
            and span.file is not None
            and os.path.realpath(span.file.path).startswith(lib)
        ):
            return
        self.script_events.add(gid.name)

    def usage_warnings(self) -> list[Diagnostic]:
        """Zeek's warnings for unreachable handlers and functions."""
        funcs = {
            name: gid
            for name, gid in self.globals.items()
            if gid.kind == "func" and isinstance(gid.type, FuncType) and gid.value != "bif"
        }
        reached: set[str] = set()
        todo = [name for name in self.seed_uses if name in funcs]
        for name, gid in funcs.items():
            if _is_seed(name, gid, self.script_events):
                todo.append(name)
        uses = self.uses

        def expand(todo: list[str]) -> None:
            while todo:
                name = todo.pop()
                if name in reached:
                    continue
                reached.add(name)
                todo.extend(uses.get(name, ()))

        expand(todo)
        out = []
        names = sorted(funcs)
        for name in names:
            gid = funcs[name]
            flavor = gid.type.flavor
            if flavor == "function" or name in reached:
                continue
            # Zeek then counts the handler reachable, but not what it calls
            # (its Expand only collects them for a next round that never comes).
            reached.add(name)
            out.append(
                Diagnostic(
                    "warning",
                    f"handler for non-existing {flavor} cannot be invoked",
                    gid.span,
                    _event_hint(name, funcs, self.script_events) if flavor == "event" else None,
                    detail=name,
                )
            )
        for name in names:
            gid = funcs[name]
            if name in reached or not gid.has_body:
                continue
            out.append(
                Diagnostic(
                    "warning",
                    "non-exported function does not have any callers",
                    gid.span,
                    "export it, call it, or mark it &is_used",
                    detail=name,
                )
            )
        return out


def _is_seed(name: str, gid: ID, script_events: set[str]) -> bool:
    """Zeek's ``UsageAnalyzer::FindSeeds`` for one global."""
    attrs = gid.attrs
    if "&is_used" in attrs or "&deprecated" in attrs:
        return True
    if gid.type.flavor == "event":
        return name not in script_events
    return gid.is_export or module_of(name) == GLOBAL


def _event_hint(name: str, funcs: dict, script_events: set[str]) -> str:
    """The rich format's advice: the known event the name may be a misspelling of."""
    import difflib  # here: only a warning needs it (start-up speed)

    known = sorted(
        n for n, gid in funcs.items() if gid.type.flavor == "event" and n not in script_events
    )
    m = difflib.get_close_matches(name, known, n=1, cutoff=0.75)
    if m:
        return f"did you mean '{m[0]}'?"
    return "nothing raises it or publishes it"
