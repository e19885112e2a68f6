"""Event and hook handlers, and the FIFO event queue.

An :class:`EventHandler` collects the bodies of one event (any number, from
any file) in ``&priority`` order, highest first, ties in definition order.
``event e(args)`` appends ``(handler, args)`` to the :class:`EventQueue`;
nothing runs until the queue drains.  A :class:`Hook` is called
synchronously: its bodies run in priority order until one executes
``break`` (returns ``False``), and the call yields whether all completed.

A runtime error in one body is reported and the remaining bodies still run,
as in Zeek (``ScriptFunc::Invoke`` continues with the next body of events
and hooks).

Work that must be done once the handlers that caused it have returned, and
before anything else runs (committing the changes of ``&backend`` tables to
disk, then sending what depends on that), registers with
:meth:`EventQueue.after_handlers`; it runs after the handlers of the event
being dispatched, or at the end of :meth:`EventQueue.drain` when it was
registered outside a handler.  The check costs one list test per event.

Every dispatch of an event adds one to its handler's :attr:`EventHandler.calls`
(Zeek's ``zeek_event_handler_invocations_total{name}``).  It is a plain
integer, read by the telemetry subsystem when metrics are scraped, so that
counting costs one attribute increment per event and nothing else.
"""

from __future__ import annotations

import bisect
from collections import deque
from collections.abc import Callable

from ..types import FuncType

__all__ = ["EventHandler", "EventQueue", "Hook", "HandlerRegistry"]


class EventHandler:
    """The bodies of one event, in dispatch order."""

    __slots__ = ("_keys", "_seq", "calls", "handlers", "name", "report", "ztype")

    kind = "event"

    def __init__(self, name: str, ztype: FuncType, report: Callable[[BaseException], None]):
        self.name = name
        self.ztype = ztype
        self.handlers: tuple[Callable, ...] = ()
        self._keys: list[tuple[int, int]] = []
        self._seq = 0
        self.report = report
        #: How often the event was dispatched (hooks: not counted, as in Zeek).
        self.calls = 0

    def add(self, fn: Callable, priority: int) -> None:
        self._seq += 1
        key = (-priority, self._seq)
        i = bisect.bisect(self._keys, key)
        self._keys.insert(i, key)
        hs = list(self.handlers)
        hs.insert(i, fn)
        self.handlers = tuple(hs)

    def __bool__(self) -> bool:
        return bool(self.handlers)

    def __repr__(self) -> str:
        return self.name


class Hook(EventHandler):
    """A hook: called synchronously, ``break`` in a body stops the chain."""

    __slots__ = ()
    kind = "hook"

    def __call__(self, *args) -> bool:
        for fn in self.handlers:
            try:
                if fn(*args) is False:
                    return False
            except Exception as exc:  # noqa: BLE001 - reported like Zeek, chain continues
                self.report(exc)
        return True


class HandlerRegistry:
    """Event and hook handlers by full name."""

    def __init__(self, report: Callable[[BaseException], None]):
        self.by_name: dict[str, EventHandler] = {}
        self.report = report

    def get(self, name: str, ztype: FuncType) -> EventHandler:
        h = self.by_name.get(name)
        if h is None:
            cls = Hook if ztype.flavor == "hook" else EventHandler
            h = cls(name, ztype, self.report)
            self.by_name[name] = h
        return h

    def lookup(self, name: str) -> EventHandler | None:
        return self.by_name.get(name)


class EventQueue:
    """FIFO queue of raised events; :meth:`drain` dispatches them."""

    def __init__(self, report: Callable[[BaseException], None]):
        self.queue: deque = deque()
        self.report = report
        #: Network time at which the event being dispatched was raised.
        self.current_time = 0.0
        self.dispatched = 0
        #: Callbacks waiting for the current handlers to return (see the module docstring).
        self._after: list[Callable[[], None]] = []

    def after_handlers(self, fn: Callable[[], None]) -> None:
        """Run ``fn()`` once the handlers now running have returned (once per call)."""
        self._after.append(fn)

    def run_after_handlers(self) -> None:
        """Run the callbacks registered with :meth:`after_handlers` (in order)."""
        after = self._after
        while after:
            fns = after[:]
            after.clear()
            for fn in fns:
                try:
                    fn()
                except Exception as exc:  # noqa: BLE001 - reported; the others still run
                    self.report(exc)

    def push(self, handler: EventHandler, args: tuple) -> None:
        self.queue.append((handler, args))

    def __len__(self) -> int:
        return len(self.queue)

    def drain(self, rounds: int = 2) -> int:
        """Dispatch queued events for at most ``rounds`` generations (Zeek drains two)."""
        q = self.queue
        popleft = q.popleft
        report = self.report
        after = self._after
        n_total = 0
        if after:
            self.run_after_handlers()
        for _ in range(rounds):
            n = len(q)
            if not n:
                break
            n_total += n
            for _ in range(n):
                h, args = popleft()
                h.calls += 1
                for fn in h.handlers:
                    try:
                        fn(*args)
                    except Exception as exc:  # noqa: BLE001 - one handler aborts, the rest run
                        report(exc)
                if after:
                    self.run_after_handlers()
        self.dispatched += n_total
        return n_total
