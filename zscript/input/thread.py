"""Running a reader on its own thread (Zeek's ``MsgThread`` for readers).

Each stream's reader runs on a daemon thread, so reading never blocks the
event loop.  The loop thread sends it commands (``init``, ``update``,
``heartbeat``, ``finish``) through a queue; the reader's messages go into
one :class:`Outbox` shared by all readers of a host, which the input
manager empties on the loop thread, oldest first.  Messages of one reader
therefore arrive in the order it sent them, and events enter the event
queue in that order.

A command whose method returns False (a failed ``init``) ends the thread
with the error ``terminating thread``, as in Zeek.  Every other command
ends with an ``idle`` message; ``finish`` closes the reader and sends
``closed``, the last message of a thread.
"""

from __future__ import annotations

import queue
import threading
from collections import deque
from collections.abc import Callable

from .reader import ReaderBackend

__all__ = ["Outbox", "ReaderThread"]


class Outbox:
    """Messages from reader threads to the loop thread.

    :param notify: called (from a reader thread) when the box goes from
        empty to non-empty; it arranges for :meth:`drain` to run on the loop.
    """

    def __init__(self, notify: Callable[[], None]):
        self._items: deque = deque()
        self._lock = threading.Lock()
        self._notified = False
        self.notify = notify

    def put(self, item) -> None:
        self.put_all([item])

    def put_all(self, items: list) -> None:
        """Queue ``items`` together: the loop sees all of them or none."""
        if not items:
            return
        with self._lock:
            self._items.extend(items)
            if self._notified:
                return
            self._notified = True
        self.notify()

    def drain(self) -> list:
        """Every queued message, oldest first (call on the loop thread)."""
        with self._lock:
            items = list(self._items)
            self._items.clear()
            self._notified = False
        return items


class ReaderThread:
    """One reader and the thread running it.

    :param name: the thread's name (Zeek's frontend name ``source/READER``).
    :param make_backend: ``make_backend(send)`` creates the reader.
    :param outbox: where messages go, as ``(thread, kind, *args)``.
    """

    def __init__(self, name: str, make_backend: Callable, outbox: Outbox):
        self.name = name
        self.outbox = outbox
        self.backend: ReaderBackend = make_backend(self._send)
        self._inbox: queue.SimpleQueue = queue.SimpleQueue()
        self._finish_sent = False
        #: Messages of the command being run (see :meth:`_command`).
        self._batch: list | None = None
        #: Set when the process shuts down: later messages are dropped.
        self.terminating = False
        self.failed = False
        #: Commands sent and not yet done (counted by the manager in virtual time).
        self.busy = 0
        self._thread = threading.Thread(target=self._run, name=f"zk.{name}", daemon=True)
        self._thread.start()

    # --------------------------------------------------------- loop thread

    def send_in(self, command: str, *args) -> bool:
        """Queue a command; False once the reader was told to finish."""
        if self._finish_sent:
            return False
        self._inbox.put((command, args))
        return True

    def stop(self) -> None:
        """Let the reader finish what it was asked, then close (``SignalStop``)."""
        if not self._finish_sent:
            self._inbox.put(("finish", ()))
            self._finish_sent = True

    def join(self, timeout: float) -> bool:
        """Wait for the thread to end; True if it did."""
        self._thread.join(timeout)
        return not self._thread.is_alive()

    # -------------------------------------------------------- reader thread

    def _send(self, kind: str, *args) -> None:
        if self.terminating and kind != "closed":
            return
        if self._batch is not None:
            self._batch.append((self, kind, *args))
        else:
            self.outbox.put((self, kind, *args))

    def _command(self, fn, *args) -> bool:
        """Run one command of the reader; the messages it sends reach the loop
        together when it is done, so the loop handles a whole reading (its
        entries and its end) in one go, as Zeek's main loop does with the
        messages a fast reader queued, and never runs events in between."""
        self._batch = []
        try:
            return fn(*args)
        finally:
            batch, self._batch = self._batch, None
            self.outbox.put_all(batch)

    def _run(self) -> None:
        backend = self.backend
        while True:
            command, args = self._inbox.get()
            if command == "finish":
                try:
                    if not self.failed:
                        backend.finish()
                finally:
                    self._send("closed")
                return
            if self.failed:
                self._send("idle")
                continue
            try:
                if command == "init":
                    ok = self._command(backend.init, *args)
                elif command == "update":
                    ok = self._command(backend.update)
                else:
                    ok = self._command(backend.heartbeat, *args)
            except Exception as exc:  # noqa: BLE001 - a reader bug ends the reader, not the process
                backend.error(f"internal error: {type(exc).__name__}: {exc}")
                ok = False
            if not ok:
                # MsgThread::Error: for the reporter only, not the stream's $error_ev.
                self._send("message", "error", None, backend.where("terminating thread"))
                self.failed = True
            self._send("idle")
