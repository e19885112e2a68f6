"""``@pragma`` directives: a stack of pragmas pushed and popped per file.

Zeek's scanner (``do_pragma`` and ``yywrap`` in Zeek's ``src/scan.l``)
knows one stack pragma, ``ignore-deprecations``: while it is pushed,
deprecation warnings are not given.  ``@pragma push NAME`` / ``@pragma pop
[NAME]`` must balance within each file; the checks and their outcomes are
Zeek's:

* ``@pragma`` or ``@pragma push`` without a value, a pop with nothing pushed
  in this file, and a file ending with pushes left are fatal errors;
* popping another value than the top one is an error (the top is popped);
* pushing an unknown value, and an unknown pragma, are warnings.

:class:`Pragmas` returns the diagnostics; the caller reports them (a fatal
one stops loading).
"""

from __future__ import annotations

from ..diagnostics import Diagnostic, Span

__all__ = ["Pragmas"]

#: The pragmas that may be pushed.
KNOWN = frozenset({"ignore-deprecations"})


class Pragmas:
    def __init__(self) -> None:
        self.stack: list[str] = []
        #: Depth of the stack when each file being read was entered.
        self._entry: list[int] = []

    @property
    def ignore_deprecations(self) -> bool:
        return "ignore-deprecations" in self.stack

    def enter_file(self) -> None:
        self._entry.append(len(self.stack))

    def leave_file(self, eof: Span) -> Diagnostic | None:
        """The file ended at ``eof``; a push left over is fatal."""
        entry = self._entry.pop() if self._entry else 0
        if len(self.stack) > entry:
            del self.stack[entry:]
            return _fatal("unbalanced @pragma push pop in file", eof)
        return None

    def directive(self, text: str, span: Span) -> Diagnostic | None:
        """Act on ``@pragma TEXT``; the problem found, if any."""
        parts = text.split()
        if not parts:
            return _fatal("@pragma without value", span)
        if parts[0] == "push":
            if len(parts) < 2:
                return _fatal("@pragma push without value", span)
            self.stack.append(parts[1])
            if parts[1] not in KNOWN:
                return Diagnostic("warning", f"pushing unknown @pragma value '{parts[1]}'", span)
            return None
        if parts[0] == "pop":
            entry = self._entry[-1] if self._entry else 0
            if len(self.stack) <= entry:
                return _fatal("@pragma pop without active pragma", span)
            top = self.stack.pop()
            if len(parts) > 1 and parts[1] != top:
                return Diagnostic(
                    "error", f"@pragma pop with unexpected '{parts[1]}', expected '{top}'", span
                )
            return None
        return Diagnostic("warning", f"Ignoring unknown pragma: '{text.strip()}'", span)


def _fatal(message: str, span: Span) -> Diagnostic:
    return Diagnostic("fatal error", message, span, syntax=True)
