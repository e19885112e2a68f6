"""Results that arrive later: the values of asynchronous calls.

A function containing ``return when`` and an asynchronous built-in (a
storage operation, a DNS lookup ...) return a :class:`Pending`.  Inside a
``when`` condition the trigger machinery (:mod:`zscript.engine.triggers`)
suspends the condition until :meth:`Pending.resolve` is called, then
re-evaluates it.  Whoever resolves a Pending from outside the event loop's
thread must hand the call to the loop (``call_soon_threadsafe``).
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["Pending"]


class Pending:
    """A result that arrives later (the value of a ``return when`` function)."""

    __slots__ = ("callbacks", "done", "value")

    def __init__(self):
        self.done = False
        self.value = None
        self.callbacks: list[Callable] = []

    def resolve(self, value) -> None:
        if self.done:
            return
        self.done = True
        self.value = value
        cbs, self.callbacks = self.callbacks, []
        for cb in cbs:
            cb(value)
