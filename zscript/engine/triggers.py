"""``when`` triggers and asynchronous results.

A :class:`Trigger` holds the compiled condition, body and timeout body of a
``when`` statement and the :class:`~zscript.runtime.ops.Frame` of locals they
share.  The condition is evaluated when the statement executes; if it holds,
the body runs at once.  Otherwise the trigger waits, in one of two ways
(Zeek's ``src/Trigger.cc``):

* its condition was false (or failed): the event loop re-evaluates it after
  each drain of the event queue (Zeek re-evaluates when something the
  condition reads changes; state only changes while events are dispatched,
  so this observes the same values);
* its condition called an asynchronous function whose result is not there
  yet: the trigger is *held* (Zeek's ``Trigger::Hold``, whose ``Eval``
  skips a delayed trigger) and is not evaluated again until that result
  arrives.  The result's :class:`Pending` then queues the trigger
  (``Trigger::Cache`` queues it too), and the triggers queued so are
  evaluated first when the triggers are next processed, in the order their
  results arrived.  A trigger costs nothing while it is held: a hundred
  operations in flight are not re-evaluated after every drain.

A timeout is a network-time timer that runs the timeout body instead.

Asynchronous calls: a function containing ``return when`` returns a
:class:`Pending`.  Inside a condition, such a call goes through
:meth:`TriggerManager.async_call`: the first evaluation suspends the
condition (:class:`Suspend`), even when the answer is already known (as
Zeek's ``Frame::SetDelayed``); the result is cached per call site in the
frame and the trigger is re-evaluated, now seeing the value, when the
triggers are next processed.  Compiled conditions look the cache up before
evaluating the call's arguments (:meth:`TriggerManager.cached`), as Zeek's
``CallExpr::Eval`` does.  A call that gives a
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
    __slots__ = (
        "body", "cond", "done", "failed", "frame", "held", "mgr", "pending", "timeout_body",
        "timer",
    )  # fmt: skip

    def __init__(self, mgr, cond, body, timeout_body, frame, pending):
        self.mgr = mgr
        self.cond = cond
        self.body = body
        self.timeout_body = timeout_body
        self.frame = frame
        self.pending = pending
        self.timer = None
        self.done = False
        #: Waiting for an asynchronous result (not evaluated until it arrives).
        self.held = False
        #: The error of the condition's last evaluation (reported once).
        self.failed: str | None = None

    def __call__(self, _value=None) -> None:
        """The asynchronous result the trigger is held for arrived: queue it."""
        if self.held:
            self.held = False
            mgr = self.mgr
            mgr.held.discard(self)
            mgr.ready.append(self)

    def expire(self) -> None:
        """The timeout passed: run the timeout body (the trigger's timer)."""
        if not self.done:
            self.mgr._finish(self, self.timeout_body)


#: :attr:`TriggerManager._suspended` after a suspension whose result is already there.
_READY = object()


class TriggerManager:
    def __init__(
        self, timers: TimerQueue, now: Callable[[], float], report: Callable[[BaseException], None]
    ):
        self.timers = timers
        self.now = now
        self.report = report
        #: Triggers whose condition was false: re-evaluated after each drain.
        self.waiting: list[Trigger] = []
        #: Triggers whose asynchronous result arrived, in the order it did.
        self.ready: list[Trigger] = []
        #: Triggers held until an asynchronous result arrives.
        self.held: set[Trigger] = set()
        #: ``when`` triggers that ever started waiting (``zeek_triggers_total``).
        self.total = 0
        self._current: Trigger | None = None
        #: Why the condition being evaluated suspended: the unresolved
        #: :class:`Pending` it waits for, or ``_READY``.
        self._suspended = None

    def pending(self) -> int:
        """Triggers waiting in any way (``zeek_pending_triggers``)."""
        return len(self.waiting) + len(self.ready) + len(self.held)

    def when(self, cond, body, timeout, timeout_body, frame, is_return: bool):
        pending = Pending() if is_return else None
        trig = Trigger(self, cond, body, timeout_body, frame, pending)
        if not self.evaluate(trig):
            self.total += 1
            if timeout is not None:
                trig.timer = self.timers.add(self.now() + timeout, trig.expire, "TriggerTimer")
        return pending

    def evaluate(self, trig: Trigger) -> bool:
        """Evaluate the condition; run the body if it holds.  True when
        finished; else the trigger is parked where it waits (see the module
        docstring)."""
        if trig.done:
            return True
        saved = self._current
        self._current = trig
        try:
            ok = trig.cond(trig.frame)
        except Suspend:
            why, self._suspended = self._suspended, None
            if why is _READY:
                self.ready.append(trig)
            else:
                trig.held = True
                self.held.add(trig)
                why.callbacks.append(trig)
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
            self.waiting.append(trig)
            return False
        finally:
            self._current = saved
        if not ok:
            self.waiting.append(trig)
            return False
        self._finish(trig, trig.body)
        return True

    def _finish(self, trig: Trigger, fn) -> None:
        trig.done = True
        if trig.held:
            trig.held = False
            self.held.discard(trig)
        if trig.timer is not None:
            trig.timer.cancel()
        try:
            value = fn(trig.frame) if fn is not None else None
        except Exception as exc:  # noqa: BLE001 - reported like any handler error
            self.report(exc)
            value = None
        if trig.pending is not None:
            trig.pending.resolve(value)

    def process(self) -> None:
        """Evaluate the triggers whose results arrived, then re-evaluate those
        whose condition was false (after a drain); again while results
        arrived meanwhile (an answer known at once, a body that completed a
        ``return when``)."""
        self._run_ready()
        while self.waiting:
            waiting, self.waiting = self.waiting, []
            self._evaluate_all(waiting)
            if not self.ready:
                return
            # A result came meanwhile: its body may change what the others read.
            self._run_ready()

    def _run_ready(self) -> None:
        while self.ready:
            ready, self.ready = self.ready, []
            self._evaluate_all(ready)

    def _evaluate_all(self, trigs: list) -> None:
        for trig in trigs:
            if not trig.done:
                self.evaluate(trig)

    def cached(self, frame, site: int):
        """The result of call ``site`` of a condition made earlier (its
        arguments are not evaluated again); suspend while it is not there."""
        r = frame._cache[site]
        if type(r) is Pending:
            if not r.done:
                self._suspended = r
                raise Suspend()
            return r.value
        return r

    def async_call(self, frame, site: int, fn, args: tuple):
        """Call ``fn`` from a condition; suspend until its result is known.

        The call runs once per trigger: its (pending) result is cached per
        call site in the frame, and the condition re-evaluates when it arrives.
        """
        cache = frame._cache
        if site in cache:
            return self.cached(frame, site)
        # As in Zeek, the condition waits even when the answer is there at
        # once (a fake DNS answer, a storage operation that completed): the
        # body runs when the triggers are next processed, not inside the
        # statement that started it.
        result = fn(*args)
        if type(result) is Ready:  # answered without waiting: not delayed, not cached
            return result.value
        cache[site] = result
        if type(result) is Pending and not result.done:
            self._suspended = result
        else:
            self._suspended = _READY
        raise Suspend()

    def clear(self) -> None:
        """Drop every waiting trigger (a result arriving later does nothing)."""
        for trig in self.held:
            trig.held = False
            trig.done = True
        self.held.clear()
        self.waiting.clear()
        self.ready.clear()
