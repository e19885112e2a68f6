"""Zeek-style reporting of runtime errors and warnings.

A runtime error aborts the current handler body only; the event loop calls
:meth:`Reporter.exception` with the exception, which is located in the
script (see :mod:`zscript.runtime.linemap`) and printed like Zeek does::

    expression error in ./t.zs, line 7: no such index (t[nope])

Exceptions the runtime does not recognise are printed as ``internal error``
with the Python details, so a bug in zscript is visible as such and not
mistaken for a script error.

Messages of zscript itself (:meth:`Reporter.warning`, :meth:`Reporter.error`:
a dropped connection, a full queue, a library's log record) are rate-limited,
so that a flood of one cause cannot flood stderr: the same text is printed
at most :data:`BURST` times per :data:`WINDOW` seconds, then once more saying
that the rest are left out; the repeats after that are counted in :attr:`Reporter.suppressed` (shown in a cluster node's
status and metrics) and the next one printed after the window says how many
were left out.  What scripts report (runtime errors, ``Reporter::warning``)
is never limited: Zeek prints every one.

:meth:`Reporter.route_library_logs` sends the records of Python libraries
that log on their own (asyncio's "socket.send() raised exception.") through
the same limit, as one-line warnings (:mod:`.liblog`).
"""

from __future__ import annotations

import sys
import time

from ..diagnostics import Diagnostic, render, render_runtime
from ..runtime.errors import ScriptError, message_for, used_no_value
from ..runtime.linemap import caller_location, describe_node, locate, locate_function

__all__ = ["BURST", "WINDOW", "Reporter"]

#: Times the same message of zscript itself is printed per window.
BURST = 5
#: Seconds of a rate-limiting window.
WINDOW = 60.0
#: Distinct messages tracked before the oldest are forgotten.
_MAX_TRACKED = 1000


class Reporter:
    def __init__(self, stream=None):
        self.stream = stream
        self.errors = 0
        self.warnings = 0
        #: Messages of zscript itself left out by the rate limit.
        self.suppressed = 0
        #: Set to re-raise internal errors (tests of zscript itself).
        self.debug = False
        #: text -> [window start, printed in the window, left out in the window]
        self._seen: dict[str, list] = {}
        #: Where Zeek's parser stopped, if it shows in messages: informational
        #: messages from outside any script show Zeek's last parse position
        #: (``Reporter::DoLog`` falls back to the scanner's file and line),
        #: which is ``<params>, line 1`` when the command line redefined
        #: something and nothing otherwise.
        self.parse_position: str | None = None

    def write(self, text: str) -> None:
        # Keep the order of print output and messages when both go to one file.
        sys.stdout.flush()
        out = self.stream or sys.stderr
        out.write(text)
        out.flush()

    def exception(self, exc: BaseException) -> None:
        if getattr(exc, "silent", False) or used_no_value(exc):
            return
        kind, message, show_expr = message_for(exc)
        span, node = locate(exc)
        span = getattr(exc, "span", None) or span
        if isinstance(exc, RecursionError):
            span = locate_function(exc) or span
        if isinstance(exc, ZeroDivisionError) and getattr(node, "op", None) == "%":
            message = "modulo by zero"
        detail = None
        if isinstance(exc, ScriptError) and exc.detail is not None:
            detail = exc.detail
        elif show_expr and node is not None:
            detail = describe_node(node)
        if kind == "internal error":
            self.errors += 1
            text = render_runtime("internal error", message, span, detail)
            self.write(text)
            if self.debug:
                import traceback  # here: only a debugging run needs it (start-up)

                traceback.print_exception(exc)
            return
        self.errors += 1
        self.write(render_runtime(kind, message, span, detail))

    def warning_here(self, message: str, depth: int = 3) -> None:
        """A runtime warning at the script expression calling the current helper."""
        span, node = caller_location(depth)
        detail = describe_node(node) if node is not None else None
        self.warnings += 1
        self.write(render_runtime("expression warning", message, span, detail))

    def error_here(self, message: str, value=None, depth: int = 3) -> None:
        """A non-fatal runtime error at the script expression calling the
        current helper (Zeek's ``Expr::Error(msg, val)``): the expression and,
        when given, the value are described after the message."""
        span, node = caller_location(depth)
        detail = describe_node(node) if node is not None else None
        if value is not None:
            from ..runtime.builtins._support import describe_arg

            text = describe_arg(value)
            detail = f"{detail} and {text}" if detail else text
        self.errors += 1
        self.write(render_runtime("error", message, span, detail))

    def type_error_here(self, message: str, type_text: str, value, depth: int = 3) -> None:
        """A non-fatal runtime error about a value that does not fit a type,
        at the calling script expression (Zeek's ``Type::Error(msg, val)`` in
        ``check_and_promote``): Zeek locates it at the type, whose "location"
        is its name, and the expression, and describes both."""
        from ..runtime.builtins._support import describe_arg

        span, _node = caller_location(depth)
        where = f"{type_text} and {span.location()}" if span is not None else None
        self.errors += 1
        diag = Diagnostic(
            "error",
            message,
            span,
            detail=f"{type_text} and {describe_arg(value)}",
            zeek_where=where,
        )
        self.write(render(diag))

    def script_warning(self, message: str) -> None:
        """A warning about the script's run, without a location (never limited)."""
        self.warnings += 1
        self.write(f"warning: {message}\n")

    def error(self, message: str, span=None) -> None:
        self.errors += 1
        self._limited(render_runtime("error", message, span))

    def warning(self, message: str, span=None) -> None:
        self.warnings += 1
        self._limited(render_runtime("warning", message, span))

    def _limited(self, text: str) -> None:
        """Write ``text`` unless it was written :data:`BURST` times this window."""
        now = time.monotonic()
        seen = self._seen
        st = seen.get(text)
        if st is None or now - st[0] >= WINDOW:
            left_out = st[2] if st is not None else 0
            if st is None and len(seen) >= _MAX_TRACKED:
                seen.pop(next(iter(seen)))
            seen[text] = [now, 1, 0]
            if left_out:
                text = text.rstrip("\n") + f" (and {left_out} more like it, left out)\n"
            self.write(text)
        elif st[1] < BURST:
            st[1] += 1
            self.write(text)
        elif st[1] == BURST:
            st[1] += 1
            self.write(
                text.rstrip("\n") + f" (repeated; more like it are left out for {WINDOW:.0f} s)\n"
            )
        else:
            st[2] += 1
            self.suppressed += 1

    def route_library_logs(self, names=("asyncio",)):
        """Send the named loggers' records through :meth:`warning` until the
        returned function is called (which undoes it)."""
        import logging  # only once the loop runs: a short script need not import it

        from .liblog import LibraryLogHandler

        handler = LibraryLogHandler(self.warning)
        loggers = [logging.getLogger(n) for n in names]
        saved = [(lg, lg.propagate) for lg in loggers]
        for lg in loggers:
            lg.addHandler(handler)
            lg.propagate = False

        def undo() -> None:
            for lg, propagate in saved:
                lg.removeHandler(handler)
                lg.propagate = propagate

        return undo

    def info(self, message: str) -> None:
        """An informational message from outside any script."""
        where = self.parse_position
        self.write(f"{where}: {message}\n" if where else message + "\n")
