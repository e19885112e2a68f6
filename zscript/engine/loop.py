"""The event loop: Zeek's run-state machine on top of asyncio.

Lifecycle (``src/zeek-setup.cc`` and ``src/RunState.cc`` in Zeek):

1. :meth:`EventLoop.start`: network time is set from the clock, ``zeek_init``
   is queued (and ``network_time_init``), the global statements run, and the
   queue is drained.
2. :meth:`EventLoop.run_async`: while something keeps the process alive (an
   I/O source such as a cluster backend, or ``exit_only_after_terminate``)
   and ``terminate()`` was not called, wait for I/O or the next timer, move
   network time, expire due timers, drain.
3. Shutdown: ``net_done`` is queued, *all* remaining timers expire in time
   order (scheduled events still run), the queue drains, ``zeek_done`` is
   queued, timers expire again and the queue drains until it is empty.

A draining round dispatches the queued events and those they raise (two
generations), then re-evaluates waiting ``when`` triggers.  I/O sources
(added by the cluster layer) push events with :meth:`post` from asyncio
callbacks and wake the loop.
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Callable

from ..runtime.errors import NoReturnValue, ZeekExit, used_no_value
from .events import EventHandler, EventQueue, HandlerRegistry
from .metadata import NETWORK_TIMESTAMP, EventMetadata
from .reporter import Reporter
from .timers import TimerQueue, WallClock
from .triggers import TriggerManager

__all__ = ["EventLoop"]


def _call(fn: Callable[[], None]) -> None:
    fn()


def _resolve(fut) -> None:
    if not fut.done():
        fut.set_result(None)


def _quiet(exc: BaseException) -> bool:
    """A use of a function's missing value: Zeek's null value, no error."""
    return isinstance(exc, NoReturnValue) or used_no_value(exc)


class EventLoop:
    def __init__(self, reporter: Reporter, clock=None):
        self.reporter = reporter
        self.clock = clock or WallClock()
        report = reporter.exception
        self.registry = HandlerRegistry(report)
        self.queue = EventQueue(report)
        self._queue_append = self.queue.queue.append
        #: Carries :meth:`post_call` steps through the queue (no script sees it).
        self._internal = EventHandler("<internal>", None, report)
        self._internal.add(_call, 0)
        #: Event metadata (:mod:`.metadata`): the registry and the current event's.
        self.metadata = EventMetadata(self._queue_append, self.now, report)
        self.timers = TimerQueue()
        self.network_time = 0.0
        self.triggers = TriggerManager(self.timers, self.now, report)
        self.terminating = False
        self.terminate_requested = False
        #: Set by :meth:`stop`.
        self.stop_requested = False
        #: Rounds of virtual time advanced straight to the next timer.
        self._virtual_rounds = 0
        #: Number of I/O sources that keep the loop alive (Zeek's counting sources).
        self.sources = 0
        self.exit_only_after_terminate: Callable[[], bool] = lambda: False
        #: Zeek's ``allow_network_time_forward``: when it says no, network
        #: time moves only by ``set_network_time`` (timers wait for that).
        self.time_forward: Callable[[], bool] = lambda: True
        #: The future the loop awaits while waiting, else None: an I/O
        #: callback that appends to the queue itself (not with :meth:`post`)
        #: calls :meth:`wake` when this is set.
        self.waiter = None
        self._aloop = None  # the asyncio loop while running
        #: Callbacks run at the start of shutdown (before net_done).
        self.on_shutdown: list[Callable[[], None]] = []
        #: Callbacks run at the very end of shutdown, after the last drain
        #: (Zeek's ``terminate_zeek``: log writers close, sockets disconnect).
        self.on_exit: list[Callable[[], None]] = []
        #: I/O sources waiting for the asyncio loop (see :meth:`add_io`).
        self._io_pending: list[Callable] = []
        self.exit_code = 0

    # ------------------------------------------------------------------ time

    def now(self) -> float:
        return self.network_time

    def update_time(self) -> None:
        t = self.clock.now()
        if t > self.network_time and self.time_forward():
            self.network_time = t

    def set_network_time(self, t: float) -> None:
        """``set_network_time``: network time is ``t`` (also backwards), as Zeek's
        ``run_state::detail::update_network_time``."""
        self.network_time = t

    # ---------------------------------------------------------------- events

    def handler(self, name: str, ztype) -> EventHandler:
        return self.registry.get(name, ztype)

    def event(self, handler: EventHandler, args: tuple) -> None:
        if handler.handlers:
            self.queue.push(handler, args)

    def raise_by_name(self, name: str, args: tuple) -> bool:
        h = self.registry.lookup(name)
        if h is None or not h.handlers:
            return False
        self.queue.push(h, args)
        return True

    def schedule(self, delay: float, handler: EventHandler, args: tuple):
        if self.terminating:
            return None
        due = self.network_time + delay
        if self.metadata.add_network_timestamp:
            # Stamped with the time the timer was due (Zeek's ScheduleTimer).
            meta = ((NETWORK_TIMESTAMP, due),)
            return self.timers.add(
                due, lambda: self.metadata.push(handler, args, meta), "ScheduleTimer"
            )
        return self.timers.add(due, lambda: self.event(handler, args), "ScheduleTimer")

    def post(self, handler: EventHandler, args: tuple) -> None:
        """Queue an event from an I/O callback and wake the loop."""
        if handler.handlers:
            self._queue_append((handler, args))
        w = self.waiter
        if w is not None:  # inlined wake(): this runs once per received event
            self.waiter = None
            if not w.done():
                w.set_result(None)

    def post_remote(self, handler: EventHandler, args: tuple, meta: tuple | None) -> None:
        """:meth:`post` for an event from another node, with the metadata it
        carried (it is not stamped as a local event is)."""
        if handler.handlers:
            self.metadata.push_remote(handler, args, meta)
        self.wake()

    def enable_network_timestamps(self, add_missing_remote: bool) -> Callable[[tuple], None]:
        """``EventMetadata::add_network_timestamp``: from now on every event
        queued here carries the network time; returns the stamping append
        (for compiled code, which appends to the queue directly)."""
        stamped = self.metadata.enable(add_missing_remote)
        self._queue_append = stamped
        self.queue.push = lambda handler, args: stamped((handler, args))
        return stamped

    def post_call(self, fn: Callable[[], None]) -> None:
        """Queue ``fn()`` from an I/O callback, to run in its turn among the
        events posted with :meth:`post`: state the scripts see (such as the
        peers a handler may list) then changes in the order they see its
        events, not when the I/O happened."""
        self._queue_append((self._internal, (fn,)))
        self.wake()

    def add_io(self, start: Callable) -> None:
        """Connect an I/O source to the asyncio loop: ``start(aloop)`` is called
        when the loop runs (at once if it already does).  The source pushes
        events with :meth:`post`; count it in :attr:`sources` to keep the
        process alive."""
        if self._aloop is not None:
            start(self._aloop)
        else:
            self._io_pending.append(start)

    def wake(self) -> None:
        """End the current wait of the running loop, if it is waiting."""
        w = self.waiter
        if w is not None:
            self.waiter = None
            if not w.done():
                w.set_result(None)

    def drain(self) -> None:
        self.queue.drain()
        self.triggers.process()
        self.queue.run_after_handlers()  # what `when` bodies (or I/O callbacks) left

    def drain_all(self) -> None:
        while True:
            self.drain()
            if not len(self.queue):
                break

    # --------------------------------------------------------------- control

    def terminate(self) -> bool:
        """Ask the loop to stop after the current round; F once shutdown began
        (Zeek returns T to every call until then)."""
        if self.terminating:
            return False
        self.terminate_requested = True
        self.wake()
        return True

    def stop(self) -> None:
        """End the run loop quietly (no "received termination signal"), even
        while I/O sources are open; shutdown follows as after ``terminate()``.
        Used when the process itself decides to end (the REPL quitting)."""
        self.stop_requested = True
        self.wake()

    def should_run(self) -> bool:
        """Zeek's run-loop condition: a counting I/O source, or
        ``exit_only_after_terminate`` before shutdown."""
        if self.stop_requested:
            return False
        return self.sources > 0 or bool(self.exit_only_after_terminate())

    def start(self, global_statements: list[Callable[[], None]], *, fatal: bool = True) -> None:
        """Queue ``zeek_init`` (and ``network_time_init``), run the top-level
        statements, drain the queue.  As Zeek (zeek-setup.cc), a run-time error
        in the top-level statements ends the process with a fatal error unless
        not ``fatal`` (the REPL); using a function's missing value ends only
        that statement."""
        self.update_time()
        h = self.registry.lookup("zeek_init")
        if h is not None:
            self.event(h, ())
        if self.network_time:
            h = self.registry.lookup("network_time_init")
            if h is not None:
                self.event(h, ())
        for fn in global_statements:
            try:
                fn()
            except Exception as exc:  # noqa: BLE001 - reported, then fatal
                self.reporter.exception(exc)
                if fatal and not _quiet(exc):
                    self.reporter.write(
                        "fatal error: failed to execute script statements at top-level scope\n"
                    )
                    raise ZeekExit(1) from None
        self.drain()

    def run(self) -> int:
        # Zeek (src/main.cc) enters its run loop only when something is
        # pending; only then does shutdown raise net_done.
        ran = (
            self.sources > 0
            or self.timers.next_time() is not None
            or bool(self.exit_only_after_terminate())
        )
        if self.should_run():
            import asyncio

            asyncio.run(self.run_async())
        else:
            self.shutdown(ran)
        return self.exit_code

    async def run_async(self) -> None:
        import asyncio

        self._aloop = asyncio.get_running_loop()
        self._install_signals()
        unroute = self.reporter.route_library_logs()
        pending, self._io_pending = self._io_pending, []
        for start in pending:
            start(self._aloop)
        aborted = True
        try:
            while self.should_run():
                await self._wait()
                self.update_time()
                self.timers.expire(self.network_time)
                self.drain()
                if self.terminate_requested:
                    self.reporter.info("received termination signal")
                    break
            aborted = False
        finally:
            self._remove_signals()
            if aborted:
                # A fatal error (or exit()) ends the process at once, as
                # Zeek's FatalError does: no events queued behind it, no
                # net_done or zeek_done; only the machinery is closed.
                self.terminating = True
                self._run_on_exit()
            else:
                self.shutdown(True)
            self._aloop = None
            unroute()

    async def _wait(self) -> None:
        import asyncio

        if self.terminate_requested:
            return
        nt = self.timers.next_time()
        if nt is not None and not self.time_forward():
            if nt <= self.network_time:
                return  # due: set_network_time moved network time past it
            nt = None  # only set_network_time, in some handler, can bring it
        if self.clock.virtual and self.sources == 0:
            if nt is None or self.timers.only_background():
                if self.triggers.pending() or self.exit_only_after_terminate():
                    # Nothing can ever happen: stop rather than hang.
                    self.terminate_requested = True
                    return
                if nt is None:
                    return
            self.clock.advance_to(nt)
            self._virtual_rounds += 1
            if self._virtual_rounds % 64 == 0:
                await asyncio.sleep(0)  # let signal handlers (SIGTERM) run
            return
        if len(self.queue):
            # Events left after two generations (or queued since): no waiting.
            await asyncio.sleep(0)
            return
        timeout = None if nt is None else max(0.0, nt - self.clock.now())
        if timeout == 0.0:
            await asyncio.sleep(0)
            return
        # A bare future, resolved by wake() or the timer: one callback hop per
        # wake-up (asyncio.Event + wait_for adds a task and several hops).
        aloop = self._aloop
        fut = self.waiter = aloop.create_future()
        timer = None if timeout is None else aloop.call_later(timeout, _resolve, fut)
        try:
            await fut
        finally:
            self.waiter = None
            if timer is not None:
                timer.cancel()

    def _install_signals(self) -> None:
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                self._aloop.add_signal_handler(sig, self.terminate)
            except (NotImplementedError, RuntimeError, ValueError):
                pass

    def _remove_signals(self) -> None:
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                self._aloop.remove_signal_handler(sig)
            except (NotImplementedError, RuntimeError, ValueError):
                pass

    def shutdown(self, loop_ran: bool = True) -> None:
        """Zeek's ``done_with_network`` (when the run loop ran) and ``terminate_zeek``."""
        self.terminating = True
        for cb in self.on_shutdown:
            try:
                cb()
            except Exception as exc:  # noqa: BLE001
                self.reporter.exception(exc)
        if loop_ran:
            h = self.registry.lookup("net_done")
            if h is not None:
                self.event(h, (self.network_time,))
            self.timers.expire(None, None)
            self.drain_all()
        h = self.registry.lookup("zeek_done")
        if h is not None:
            self.event(h, ())
        self.timers.expire(None, None)
        self.drain_all()
        self.triggers.clear()
        self._run_on_exit()

    def _run_on_exit(self) -> None:
        for cb in self.on_exit:
            try:
                cb()
            except Exception as exc:  # noqa: BLE001
                self.reporter.exception(exc)
        sys.stdout.flush()
