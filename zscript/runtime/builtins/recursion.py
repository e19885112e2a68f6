"""The limit on nested function calls (Zeek's ``max_recursion_depth``,
``src/Func.cc``): ``get_max_recursion_depth`` and ``set_max_recursion_depth``.

Compiled script functions are Python functions, so the limit is Python's
recursion limit: setting a depth of ``n`` allows ``n`` more Python frames
than the caller of ``set_max_recursion_depth`` has (a script call takes at
least one frame, so ``n`` nested script calls never fit more than ``n``
calls deep); 0 means no limit of Zeek's, only Python's own safety margin
(:data:`UNLIMITED`).  The getter returns the value last set (Zeek's default
is 1000).  Exceeding the limit ends the handler with Zeek's message.
"""

from __future__ import annotations

import sys

from ..bifs import bif

__all__ = ["UNLIMITED", "current_max_depth"]

#: Python's recursion limit for "no limit" (deep enough for any script).
UNLIMITED = 20000

_state = {"depth": 1000}


def current_max_depth() -> int:
    """The depth set by the script (0: unlimited)."""
    return _state["depth"]


def _frames() -> int:
    n = 0
    f = sys._getframe(1)
    while f is not None:
        n += 1
        f = f.f_back
    return n


@bif("get_max_recursion_depth", "function(): count")
def get_max_recursion_depth():
    return _state["depth"]


@bif("set_max_recursion_depth", "function(c: count): any")
def set_max_recursion_depth(c):
    _state["depth"] = c
    limit = UNLIMITED if c == 0 else _frames() + c
    sys.setrecursionlimit(limit)
