"""The seam between replicated stores and the cluster: :class:`StoreTransport`.

``&backend`` tables and ``Broker::create_master``/``create_clone`` stores
replicate over a small publish/subscribe interface, so the storage package
does not depend on how nodes talk to each other.  The cluster layer
provides the real implementation (ZeroMQ) and installs it with
``host.subsystems["storage"].set_transport(t)``; without one, a host uses
:class:`LocalTransport` and is the master of every store (a standalone
process).

Contract for implementations:

* ``publish(topic, message)`` sends ``message`` (opaque bytes) to every
  *other* node subscribed to ``topic`` (a node may or may not receive its
  own messages; the store protocol ignores them);
* ``subscribe(topic, callback)`` registers ``callback(message: bytes)``;
  topics are exact strings such as ``zscript/store/<name>/master``
  (implementations may match by prefix, the protocol checks the store name);
* callbacks run **on the host's event-loop thread** (a transport is an I/O
  source of the :class:`~zscript.engine.loop.EventLoop`), never
  concurrently with script code;
* messages from one publisher arrive in the order they were published;
  they may be lost (a peer that is not connected yet): the store protocol
  detects gaps with sequence numbers and asks the master for a snapshot;
* ``is_master`` is true on the node that holds the masters of ``&backend``
  tables: the manager of a cluster, or a standalone process;
* optionally, ``watch(topic, callback)``: call ``callback()`` whenever a
  node subscribed to ``topic`` becomes reachable (at once if one is), that
  is, when messages published to ``topic`` will now arrive: at start, when
  that node starts later, or comes back after a restart or a lost
  connection.  Clones watch their master's topic and ask for a snapshot
  each time; without ``watch`` they ask when they attach and repeat every
  ``RESYNC_INTERVAL`` until they have one.  A transport with ``watch``
  should keep messages to a watched topic that is not reachable yet and
  send them once it is (a clone's writes made before the master is up);
* optionally, ``heartbeat``: seconds between the masters' announcements
  of their epoch and sequence number to the clones (a clone behind them,
  or seeing another epoch, asks for a snapshot).  For transports that may
  lose the last messages of a burst or not notice a master's restart.

:class:`InProcessBus` connects several hosts inside one process; tests use
it to simulate a cluster, delivering messages only when :meth:`pump` is
called so interleavings are under the test's control.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Protocol, runtime_checkable

__all__ = ["InProcessBus", "LocalTransport", "StoreTransport"]


@runtime_checkable
class StoreTransport(Protocol):
    """What replicated stores need from the cluster layer."""

    #: This node holds the masters of ``&backend`` tables (manager / standalone).
    is_master: bool

    def publish(self, topic: str, message: bytes) -> None: ...

    def subscribe(self, topic: str, callback: Callable[[bytes], None]) -> None: ...


class LocalTransport:
    """A standalone process: no peers; publishing goes nowhere."""

    #: Stores skip encoding messages nobody can receive.
    local_only = True

    def __init__(self, is_master: bool = True) -> None:
        self.is_master = is_master

    def publish(self, topic: str, message: bytes) -> None:
        pass

    def subscribe(self, topic: str, callback: Callable[[bytes], None]) -> None:
        pass


class InProcessBus:
    """A message bus joining several hosts of one process (for tests).

    ``bus.endpoint(is_master=...)`` returns a :class:`StoreTransport`;
    published messages are queued and delivered to the *other* endpoints
    subscribed to the topic when :meth:`pump` runs.  An endpoint's
    ``after_delivery`` (if set) runs after each message delivered to it, as
    a host's event loop runs what the callbacks left for the end of the
    handlers (``EventQueue.run_after_handlers``) before it waits again.
    """

    def __init__(self) -> None:
        self._queue: deque[tuple[_Endpoint, str, bytes]] = deque()
        self._endpoints: list[_Endpoint] = []
        #: Messages delivered so far (for tests).
        self.delivered = 0

    def endpoint(self, *, is_master: bool, max_queued: int | None = None) -> _Endpoint:
        """A new endpoint; with ``max_queued``, at most that many of its
        messages wait in the bus: past it the oldest is dropped and its
        ``drop_listeners`` are told (a full send queue, as
        :class:`~zscript.cluster.storetransport.WatchingTransport` reports)."""
        ep = _Endpoint(self, is_master, max_queued)
        self._endpoints.append(ep)
        return ep

    def pump(self, limit: int | None = None) -> int:
        """Deliver queued messages (including those sent while delivering); return how many."""
        n = 0
        while self._queue and (limit is None or n < limit):
            sender, topic, message = self._queue.popleft()
            for ep in list(self._endpoints):
                if ep is sender or not ep.connected:
                    continue
                subs = ep.subscriptions.get(topic)
                if not subs:
                    continue
                for cb in list(subs):
                    cb(message)
                if ep.after_delivery is not None:
                    ep.after_delivery()
            n += 1
        self.delivered += n
        return n

    @property
    def pending(self) -> int:
        return len(self._queue)


class _Endpoint:
    def __init__(self, bus: InProcessBus, is_master: bool, max_queued: int | None) -> None:
        self.bus = bus
        self.is_master = is_master
        self.max_queued = max_queued
        #: ``fn(topic)`` called when a message of this endpoint is dropped.
        self.drop_listeners: list[Callable[[str], None]] = []
        #: Messages dropped (``max_queued``).
        self.dropped = 0
        self.connected = True
        #: Run after each message delivered here (see :class:`InProcessBus`).
        self.after_delivery: Callable[[], None] | None = None
        self.subscriptions: dict[str, list[Callable[[bytes], None]]] = {}

    def publish(self, topic: str, message: bytes) -> None:
        if not self.connected:
            return
        q = self.bus._queue
        q.append((self, topic, message))
        if self.max_queued is not None:
            mine = [item for item in q if item[0] is self]
            if len(mine) > self.max_queued:
                q.remove(mine[0])
                self.dropped += 1
                for fn in list(self.drop_listeners):
                    fn(mine[0][1])

    def subscribe(self, topic: str, callback: Callable[[bytes], None]) -> None:
        self.subscriptions.setdefault(topic, []).append(callback)
