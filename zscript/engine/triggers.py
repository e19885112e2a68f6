"""``when`` triggers and asynchronous results.

A :class:`Trigger` holds the compiled condition, body and timeout body of a
``when`` statement and the :class:`~zscript.runtime.ops.Frame` of locals they
share.  The condition is evaluated when the statement executes; if it holds,
the body runs at once.  Otherwise the trigger waits: the event loop
re-evaluates every waiting trigger after each drain of the event queue
(Zeek re-evaluates when something the condition reads changes; state only
changes while events are dispatched, so this observes the same values).
A timeout is a network-time timer that runs the timeout body instead.

Asynchronous calls: a function containing ``return when`` returns a
:class:`Pending`.  Inside a condition, such a call goes through
:meth:`TriggerManager.async_call`: the first evaluation suspends the
condition (:class:`Suspend`), even when the answer is already known (as
Zeek's ``Frame::SetDelayed``); the result is cached per call site in the
frame and the trigger is re-evaluated, now seeing the value, when the
triggers are next processed.  A call that gives a
:class:`~zscript.runtime.asyncval.Ready` does not suspend the condition (it is
made again when the condition is re-evaluated, as a Zeek script function is).
"""

from __future__ import annotations

from collections.abc import Callable

from ..runtime.asyncval import Pending, Ready
from .timers import TimerQueue

__all__ = ["Pending", "Suspend", "Trigger", "TriggerManager"]


class Suspend(Exception):
    """Raised inside a condition that waits for an asynchronous result."""


class Trigger:
    __slots__ = ("body", "cond", "frame", "pending", "timeout_body", "timer", "done", "failed")

    def __init__(self, cond, body, timeout_body, frame, pending):
        self.cond = cond
        self.body = body
        self.timeout_body = timeout_body
        self.frame = frame
        self.pending = pending
        self.timer = None
        self.done = False
        #: The error of the condition's last evaluation (reported once).
        self.failed: str | None = None


class TriggerManager:
    def __init__(
        self, timers: TimerQueue, now: Callable[[], float], report: Callable[[BaseException], None]
    ):
        self.timers = timers
        self.now = now
        self.report = report
        self.waiting: list[Trigger] = []
        #: ``when`` triggers that ever started waiting (``zeek_triggers_total``).
        self.total = 0
        self._current: Trigger | None = None
        #: Set when an asynchronous call answered at once (see :meth:`process`).
        self._ready = False

    def when(self, cond, body, timeout, timeout_body, frame, is_return: bool):
        pending = Pending() if is_return else None
        trig = Trigger(cond, body, timeout_body, frame, pending)
        if not self.evaluate(trig):
            self.waiting.append(trig)
            self.total += 1
            if timeout is not None:
                trig.timer = self.timers.add(
                    self.now() + timeout, lambda: self.expire(trig), "TriggerTimer"
                )
        return pending

    def evaluate(self, trig: Trigger) -> bool:
        """Evaluate the condition; run the body if it holds.  True when finished."""
        if trig.done:
            return True
        saved = self._current
        self._current = trig
        try:
            ok = trig.cond(trig.frame)
        except Suspend:
            return False
        except Exception as exc:  # noqa: BLE001 - reported; the condition counts as false
            # Zeek's Trigger::Eval reports the error and keeps waiting: a later
            # change may make the condition evaluable.  Zeek evaluates again
            # only when something the condition reads changed; we evaluate
            # after every drain, so the same error is reported only once.
            text = f"{type(exc).__name__}: {exc}"
            if text != trig.failed:
                trig.failed = text
                self.report(exc)
            return False
        finally:
            self._current = saved
        if not ok:
            return False
        self._finish(trig, trig.body)
        return True

    def _finish(self, trig: Trigger, fn) -> None:
        trig.done = True
        if trig.timer is not None:
            trig.timer.cancel()
        try:
            value = fn(trig.frame) if fn is not None else None
        except Exception as exc:  # noqa: BLE001 - reported like any handler error
            self.report(exc)
            value = None
        if trig.pending is not None:
            trig.pending.resolve(value)

    def expire(self, trig: Trigger) -> None:
        if trig.done:
            return
        self._finish(trig, trig.timeout_body)

    def process(self) -> None:
        """Re-evaluate every waiting trigger (after a drain); again while an
        asynchronous call answered at once during the pass."""
        while self.waiting:
            self._ready = False
            waiting = self.waiting
            self.waiting = []
            for trig in waiting:
                if not trig.done and not self.evaluate(trig):
                    self.waiting.append(trig)
            if not self._ready:
                return

    def async_call(self, frame, site: int, fn, args: tuple):
        """Call ``fn`` from a condition; suspend until its result is known.

        The call runs once per trigger: its (pending) result is cached per
        call site in the frame, and the condition re-evaluates when it arrives.
        """
        cache = frame._cache
        if site in cache:
            r = cache[site]
            if type(r) is Pending:
                if not r.done:
                    raise Suspend()
                return r.value
            return r
        # As in Zeek, the condition waits even when the answer is there at
        # once (a fake DNS answer, a storage operation that completed): the
        # body runs when the triggers are next processed, not inside the
        # statement that started it.
        result = fn(*args)
        if type(result) is Ready:  # answered without waiting: not delayed, not cached
            return result.value
        cache[site] = result
        if type(result) is not Pending or result.done:
            self._ready = True
        raise Suspend()

    def clear(self) -> None:
        self.waiting.clear()
