"""Zeek-style reporting of runtime errors and warnings.

A runtime error aborts the current handler body only; the event loop calls
:meth:`Reporter.exception` with the exception, which is located in the
script (see :mod:`zscript.runtime.linemap`) and printed like Zeek does::

    expression error in ./t.zs, line 7: no such index (t[nope])

Exceptions the runtime does not recognise are printed as ``internal error``
with the Python details, so a bug in zscript is visible as such and not
mistaken for a script error.
"""

from __future__ import annotations

import sys
import traceback

from ..diagnostics import render_runtime
from ..runtime.errors import ScriptError, message_for
from ..runtime.linemap import caller_location, describe_node, locate

__all__ = ["Reporter"]


class Reporter:
    def __init__(self, stream=None):
        self.stream = stream
        self.errors = 0
        self.warnings = 0
        #: Set to re-raise internal errors (tests of zscript itself).
        self.debug = False

    def write(self, text: str) -> None:
        # Keep the order of print output and messages when both go to one file.
        sys.stdout.flush()
        out = self.stream or sys.stderr
        out.write(text)
        out.flush()

    def exception(self, exc: BaseException) -> None:
        if getattr(exc, "silent", False):
            return
        kind, message, show_expr = message_for(exc)
        span, node = locate(exc)
        span = getattr(exc, "span", None) or span
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

    def error(self, message: str, span=None) -> None:
        self.errors += 1
        self.write(render_runtime("error", message, span))

    def warning(self, message: str, span=None) -> None:
        self.warnings += 1
        self.write(render_runtime("warning", message, span))

    def info(self, message: str) -> None:
        self.write(message + "\n")
