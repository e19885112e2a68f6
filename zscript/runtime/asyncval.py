"""Results that arrive later: the values of asynchronous calls.

A function containing ``return when`` and an asynchronous built-in (a
storage operation, a DNS lookup ...) return a :class:`Pending`.  Inside a
``when`` condition the trigger machinery (:mod:`zscript.engine.triggers`)
suspends the condition until :meth:`Pending.resolve` is called, then
re-evaluates it.  Whoever resolves a Pending from outside the event loop's
thread must hand the call to the loop (``call_soon_threadsafe``).

An asynchronous built-in that answers without waiting, the way a Zeek
script wrapper answers by calling the synchronous built-in (the
``Storage::Async`` functions on a ``forced_sync`` handle), returns a
:class:`Ready`: the condition goes on with the value at once.
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["Pending", "Ready"]


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


class Ready:
    """The value of an asynchronous built-in that did not wait: a ``when``
    condition that calls it is not delayed (unlike one whose call gave a
    :class:`Pending`, even an already resolved one)."""

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value
