"""Where storage work runs, and how its results reach the event loop.

Two pieces keep the event loop from ever blocking on storage:

:class:`IOThread`
    One daemon thread per process running an asyncio loop, shared by every
    backend whose hooks are coroutines (Redis, replicated-store helpers).
    It starts on first use.  Coroutines submitted while the thread has not
    picked up earlier ones yet join them: one wake-up of the thread starts
    them all (a wake-up costs more than a short operation does).  Blocking backends (SQLite) use their own
    worker thread instead (see :mod:`.backend`).

:class:`LoopBridge`
    Hands completions produced on those threads to the host's event-loop
    thread.  :meth:`LoopBridge.watch` counts the operation as an I/O source
    of the :class:`~zscript.engine.loop.EventLoop` (so the loop keeps
    running until the result arrives), and later calls the callback on the
    loop's thread and wakes the loop, which then re-evaluates waiting
    ``when`` conditions.

A backend driven by the host's own asyncio loop (Redis's pipeline,
:mod:`.resp`) completes its operations on the loop's thread: they come as
a :class:`LoopFuture`, which the bridge watches without a thread hand-over.

The event loop only starts asyncio when it has to wait (a script that
starts an asynchronous operation in ``zeek_init`` does so before asyncio
runs).  Until the bridge has seen the running asyncio loop (the event
loop's :meth:`~zscript.engine.loop.EventLoop.add_io` hands it over when it
starts), completions are parked; the hand-over is done under one lock, so a
completion is either parked before it and run then, or posted with
``call_soon_threadsafe`` after it.  If asyncio never runs, a network-time
timer due at once (it fires at the latest during shutdown) runs what was
parked.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import asyncio
    import concurrent.futures as cf

__all__ = ["IOThread", "LoopBridge", "LoopFuture"]


class IOThread:
    """A daemon thread running an asyncio loop for coroutine-based backends."""

    _shared: IOThread | None = None
    _shared_lock = threading.Lock()

    @classmethod
    def shared(cls) -> IOThread:
        """The process-wide I/O thread (started on first use)."""
        with cls._shared_lock:
            if cls._shared is None:
                cls._shared = cls()
            return cls._shared

    def __init__(self) -> None:
        import asyncio  # imported when the first asynchronous backend opens

        self.loop = asyncio.new_event_loop()
        self._lock = threading.Lock()
        self._incoming: list[tuple[Any, cf.Future]] = []
        self._thread = threading.Thread(target=self._run, name="zscript-storage-io", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        import asyncio

        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()

    def submit(self, coro) -> cf.Future:
        """Run ``coro`` on the I/O loop; its result arrives in the returned future
        (cancelling that future cancels the coroutine)."""
        import concurrent.futures as cf  # not at start-up: it imports logging

        fut: cf.Future = cf.Future()
        with self._lock:
            wake = not self._incoming
            self._incoming.append((coro, fut))
        if wake:
            self.loop.call_soon_threadsafe(self._start_incoming)
        return fut

    def _start_incoming(self) -> None:
        """On the I/O thread: start every coroutine submitted since the last wake-up."""
        with self._lock:
            batch, self._incoming = self._incoming, []
        for coro, fut in batch:
            if fut.cancelled():
                coro.close()
                continue
            task = self.loop.create_task(coro)
            task.add_done_callback(lambda t, fut=fut: _copy_result(t, fut))
            fut.add_done_callback(
                lambda f, task=task: f.cancelled() and self.loop.call_soon_threadsafe(task.cancel)
            )

    def call_soon(self, fn: Callable, *args) -> None:
        """Run ``fn(*args)`` on the I/O loop's thread."""
        self.loop.call_soon_threadsafe(fn, *args)


def _copy_result(task, fut: cf.Future) -> None:
    """The outcome of the asyncio ``task`` into the concurrent ``fut``."""
    import concurrent.futures as cf

    if fut.done():
        return  # cancelled by the caller
    try:
        if task.cancelled():
            fut.cancel()
        elif task.exception() is not None:
            fut.set_exception(task.exception())
        else:
            fut.set_result(task.result())
    except cf.InvalidStateError:
        pass  # cancelled meanwhile


class LoopFuture:
    """The result of an operation completed on the host's loop thread itself
    (a backend driven by the host's asyncio loop, such as Redis's pipeline).

    The part of :class:`concurrent.futures.Future` the storage code uses
    (``done``, ``result``, ``add_done_callback``), without its locks: it is
    made, completed and watched on one thread, and its callbacks run as soon
    as the result is set.
    """

    __slots__ = ("_callbacks", "_done", "_result")

    def __init__(self) -> None:
        self._done = False
        self._result = None
        self._callbacks: list[Callable] = []

    def done(self) -> bool:
        return self._done

    def result(self, timeout: float | None = None):
        if not self._done:
            raise RuntimeError("LoopFuture.result() before it is done")
        return self._result

    def set_result(self, value) -> None:
        self._result = value
        self._done = True
        cbs, self._callbacks = self._callbacks, []
        for cb in cbs:
            cb(self)

    def add_done_callback(self, fn: Callable) -> None:
        if self._done:
            fn(self)
        else:
            self._callbacks.append(fn)


class LoopBridge:
    """Delivers results of background work on the host's event-loop thread.

    :param loop: the host's :class:`~zscript.engine.loop.EventLoop`.
    """

    def __init__(self, loop) -> None:
        self.loop = loop
        self._lock = threading.Lock()
        self._aloop: asyncio.AbstractEventLoop | None = None
        self._parked: list[tuple[Callable, tuple]] = []
        self._capture_timer = None
        loop.add_io(self._capture)

    def watch(self, fut: cf.Future, callback: Callable[[Any], None]) -> None:
        """Call ``callback(result)`` on the loop thread once ``fut`` is done.

        Must be called on the loop thread.  The event loop keeps running
        (an I/O source is counted) until the callback has run.
        """
        self.loop.sources += 1
        if type(fut) is LoopFuture:  # completes on this thread: no hand-over
            fut.add_done_callback(lambda f: self._run_one(self._deliver, (f, callback)))
            return
        self._arm()
        fut.add_done_callback(lambda f: self.call_soon(self._deliver, f, callback))

    def call_soon(self, fn: Callable, *args) -> None:
        """Run ``fn(*args)`` on the loop thread (callable from any thread)."""
        with self._lock:
            aloop = self._aloop
            if aloop is None:
                self._parked.append((fn, args))
                return
        try:
            aloop.call_soon_threadsafe(self._run_one, fn, args)
        except RuntimeError:
            # The asyncio loop is closed: the host has stopped running.
            pass

    def arm(self) -> None:
        """Make sure work finishing later reaches the loop (call on the loop thread).

        Callbacks posted from other threads before asyncio runs are parked;
        this arranges for the loop's next round to pick them up.
        """
        self._arm()

    # ----------------------------------------------------------------- inner

    def _deliver(self, f: cf.Future, callback: Callable[[Any], None]) -> None:
        self.loop.sources -= 1
        callback(f.result())

    def _run_one(self, fn: Callable, args: tuple) -> None:
        try:
            fn(*args)
        except Exception as exc:  # noqa: BLE001 - reported like a handler error
            self.loop.reporter.exception(exc)
        self.loop.wake()

    def _arm(self) -> None:
        if self._aloop is not None or self._capture_timer is not None:
            return
        running = _running_loop()
        if running is not None:
            self._capture(running)
        else:
            self._capture_timer = self.loop.timers.add(self.loop.network_time, self._on_timer)

    def _on_timer(self) -> None:
        self._capture_timer = None
        running = _running_loop()
        if running is not None:
            self._capture(running)
        else:
            # Timers also fire during a shutdown that never started asyncio.
            with self._lock:
                parked, self._parked = self._parked, []
            for fn, args in parked:
                self._run_one(fn, args)

    def _capture(self, running: asyncio.AbstractEventLoop) -> None:
        with self._lock:
            self._aloop = running
            parked, self._parked = self._parked, []
        for fn, args in parked:
            self._run_one(fn, args)


def _running_loop() -> asyncio.AbstractEventLoop | None:
    asyncio = sys.modules.get("asyncio")
    if asyncio is None:  # not even imported: no loop runs
        return None
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None
