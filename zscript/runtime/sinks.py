"""Where the runtime reports what scripts do wrong, once the host says where.

Each sink is a one-element list the host fills at start-up (the reporter's
methods, in ``zscript/host/wiring.py``); until then, and in a process without
a host, reports are dropped.  Every runtime module reports through these, so
none needs the module that first raises a given warning.
"""

from __future__ import annotations

__all__ = ["ERRORS", "PLAIN_WARNINGS", "TYPE_ERRORS", "WARNINGS", "warn_here"]

#: Sink for runtime warnings at the calling script expression: a
#: callable(message, depth) set by the host.
WARNINGS: list = [None]

#: Sink for non-fatal runtime errors at the calling script expression: a
#: callable(message, value, depth) set by the host.
ERRORS: list = [None]

#: Sink for non-fatal runtime errors about a value that does not fit a type,
#: at the calling script expression: a callable(message, type text, value,
#: depth) set by the host.
TYPE_ERRORS: list = [None]

#: Sink for location-less runtime warnings: a callable(message) set by the host.
PLAIN_WARNINGS: list = [None]


def warn_here(message: str) -> None:
    """A runtime warning at the script expression that called the caller."""
    sink = WARNINGS[0]
    if sink is not None:
        sink(message, 3)
