"""Records of Python libraries that log on their own, as zscript warnings.

:class:`LibraryLogHandler` is what :meth:`.reporter.Reporter.route_library_logs`
and the WebSocket server hang on the loggers of asyncio and ``websockets``.
It lives apart from the reporter so that a process nothing logs into (a short
script) does not import :mod:`logging` at start-up.
"""

from __future__ import annotations

import logging

__all__ = ["LibraryLogHandler"]


class LibraryLogHandler(logging.Handler):
    """Library log records (warnings and worse) as one-line warnings:
    ``warn(prefix + message)``, where ``prefix`` is fixed or, if None, the
    logger's name and a colon."""

    def __init__(self, warn, prefix: str | None = None):
        super().__init__(logging.WARNING)
        self._warn = warn
        self._prefix = prefix

    def emit(self, record: logging.LogRecord) -> None:
        try:
            msg = record.getMessage()
            if record.exc_info and record.exc_info[1] is not None:
                exc = record.exc_info[1]
                msg += f": {type(exc).__name__}: {exc}"
            prefix = self._prefix if self._prefix is not None else f"{record.name}: "
            self._warn(prefix + msg)
        except Exception:  # noqa: BLE001 - logging must never raise
            pass
