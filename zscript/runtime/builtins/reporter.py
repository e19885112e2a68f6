"""The script-level reporter (Zeek's ``reporter.bif``).

``Reporter::info``, ``warning`` and ``error`` print the message on stderr
at the location of the calling script statement, in Zeek's forms::

    ./t.zs, line 4: an info message
    warning in ./t.zs, line 5: a warning
    error in ./t.zs, line 6: an error

and raise ``reporter_info``, ``reporter_warning`` or ``reporter_error``
(``t: time, msg: string, location: string``) when a script handles them.
``Reporter::fatal`` prints ``fatal error in ...`` and ends the process with
status 1, without ``zeek_done``, as Zeek does.
"""

from __future__ import annotations

from ...diagnostics import render_runtime
from ..bifs import bif
from ..errors import ZeekExit
from ..linemap import caller_location
from ._support import _reporter

__all__ = []


def _report(ctx, kind: str, event: str | None, msg: str) -> bool:
    reporter = _reporter(ctx)
    span, _ = caller_location(3)
    # The script's own message: one line as Zeek prints it, in either format.
    text = render_runtime(kind, msg, span, fmt="zeek")
    if kind == "":  # info: the location alone is the prefix
        text = text[len(" in ") :] if span is not None and span.file is not None else msg + "\n"
    if kind == "warning":
        reporter.warnings += 1
    elif kind != "":
        reporter.errors += 1
    reporter.write(text)
    if event is not None:
        where = span.location() if span is not None and span.file is not None else ""
        ctx.raise_event(event, (ctx.network_time(), msg, where))
    return True


@bif("Reporter::info", "function(msg: string): bool", context=True)
def info(ctx, msg):
    return _report(ctx, "", "reporter_info", msg)


@bif("Reporter::warning", "function(msg: string): bool", context=True)
def warning(ctx, msg):
    return _report(ctx, "warning", "reporter_warning", msg)


@bif("Reporter::error", "function(msg: string): bool", context=True)
def error(ctx, msg):
    return _report(ctx, "error", "reporter_error", msg)


@bif("Reporter::fatal", "function(msg: string): bool", context=True)
def fatal(ctx, msg):
    _report(ctx, "fatal error", None, msg)
    raise ZeekExit(1)
