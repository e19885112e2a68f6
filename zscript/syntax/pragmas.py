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

A script is checked a declaration at a time after the declaration was
parsed, so a pragma inside a function body has already changed the stack
when the body is checked; :meth:`Pragmas.quiet_at` therefore answers for a
place in a file, from the changes recorded while reading it.
"""

from __future__ import annotations

import bisect

from ..diagnostics import Diagnostic, SourceFile, Span

__all__ = ["Pragmas"]

#: The pragmas that may be pushed.
KNOWN = frozenset({"ignore-deprecations"})


class Pragmas:
    def __init__(self) -> None:
        self.stack: list[str] = []
        #: Depth of the stack when each file being read was entered.
        self._entry: list[int] = []
        #: Per file read: the lines where ignore-deprecations went on or off,
        #: and its state from that line on.
        self._changes: dict[SourceFile, tuple[list[int], list[bool]]] = {}

    @property
    def ignore_deprecations(self) -> bool:
        return "ignore-deprecations" in self.stack

    def quiet_at(self, span: Span | None) -> bool:
        """True if ignore-deprecations was pushed at ``span`` when it was read."""
        changes = self._changes.get(span.file) if span is not None else None
        if not changes:
            return self.ignore_deprecations
        lines, states = changes
        i = bisect.bisect_right(lines, span.line) - 1
        return states[max(i, 0)]

    def _note(self, file: SourceFile | None, line: int) -> None:
        if file is None:
            return
        lines, states = self._changes.setdefault(file, ([], []))
        if lines and lines[-1] == line:
            states[-1] = self.ignore_deprecations
        else:
            lines.append(line)
            states.append(self.ignore_deprecations)

    def enter_file(self, source: SourceFile | None = None) -> None:
        self._entry.append(len(self.stack))
        self._note(source, 0)

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
            self._note(span.file, span.line)
            if parts[1] not in KNOWN:
                return Diagnostic("warning", f"pushing unknown @pragma value '{parts[1]}'", span)
            return None
        if parts[0] == "pop":
            entry = self._entry[-1] if self._entry else 0
            if len(self.stack) <= entry:
                return _fatal("@pragma pop without active pragma", span)
            top = self.stack.pop()
            self._note(span.file, span.line)
            if len(parts) > 1 and parts[1] != top:
                return Diagnostic(
                    "error", f"@pragma pop with unexpected '{parts[1]}', expected '{top}'", span
                )
            return None
        return Diagnostic("warning", f"Ignoring unknown pragma: '{text.strip()}'", span)


def _fatal(message: str, span: Span) -> Diagnostic:
    return Diagnostic("fatal error", message, span, syntax=True)
