"""Replicated stores over the cluster: :class:`ClusterStoreTransport`.

``&backend`` tables and ``Broker::`` stores (:mod:`zscript.storage.replication`)
replicate over a :class:`~zscript.storage.transport.StoreTransport`; this is
the cluster's.  The composition root (``Host._connect_subsystems``) installs
it on every node of a cluster layout before the tables are bound, so a
table has its final role (master or clone) from the start.

**Wire.**  Store messages travel on the node's event sockets (XPUB/XSUB)
through the central proxy, as the 4-frame message
``[topic][sender id][zscript-store-v1][payload]`` on the topics
``zscript/store/<name>/master`` and ``zscript/store/<name>/clones``.  The
cluster subsystem hands messages with that format frame to this transport
instead of the event serializer: they are not events (not counted in
``events_in``/``events_out``, not format mismatches); the transport keeps
its own counters (:meth:`stats`).  Subscriptions go through the backend as
``Cluster::subscribe``'s do (made before the backend is connected, they are
sent when it is), so the proxy forwards them to every publisher.

**Master.**  ``is_master`` is true on the layout's manager: it holds the
masters of ``&backend`` tables (Zeek's ``Broker::table_store_master`` in a
cluster), the other nodes hold clones.

**Reachability and start-up order.**  A ZeroMQ publisher drops messages
nobody has subscribed to yet, and a node learns the other processes'
subscriptions from its XPUB (the backend's ``topic_seen``).  A topic is
*reachable* when one of those subscriptions is a prefix of it.  Clones
:meth:`watch` their master's topic:

* the watchers run when it becomes reachable (the master's subscription
  reached this node: at start, or when the manager starts after the
  worker), and the clone asks for a snapshot;
* messages to a watched topic that is not reachable (backend not connected
  yet, master not up) or that the send queue refused are kept, up to
  ``max_pending`` (then the oldest are dropped and counted),
  and sent in order once it is, before the watchers run: a clone's writes
  reach the master before its snapshot request, so they are in the snapshot;
* messages to other topics (a master's updates) are sent if the backend is
  connected, and ZeroMQ drops them if nobody listens: clones that were not
  there take a snapshot when they come.  When somebody listens but the send
  queue is full, they are kept and sent again as well (flow control, not
  loss); kept ones whose topic nobody listens to any more are dropped.
* a kept message dropped past ``max_pending`` is counted and reported to
  the ``drop_listeners`` (``fn(topic)``): the stores resynchronize (see
  :meth:`~zscript.storage.replication.clone.CloneSide._lost`).

**Heartbeats.**  When the process running the central proxy dies, every
node's connection to it breaks and the backend withdraws the subscriptions
it had seen (``topic_seen(..., False)``): the master's topic is no longer
reachable, and a clone keeps its writes until the restarted manager's
subscription comes.  As a second line of defence the masters announce
their epoch and sequence number every :data:`HEARTBEAT` seconds
(``heartbeat``): a clone that sees another epoch (the manager restarted) or
a higher number (it lost updates) takes a snapshot.

Limitation: a process subscribed to a prefix of the store topics (say
``Cluster::subscribe("")``) makes them look reachable although the master
may not be up; messages sent then are lost, and the protocol recovers
through its sequence numbers and resynchronization (a clone's write made in
that window is lost).

Everything here runs on the event-loop thread (the backend delivers from
the asyncio loop that drives the event loop).
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Callable

__all__ = ["MAX_PENDING", "STORE_FORMAT", "ClusterStoreTransport", "WatchingTransport"]

#: The format frame of store messages.
STORE_FORMAT = b"zscript-store-v1"
#: Messages kept for unreachable watched topics before the oldest are dropped.
MAX_PENDING = 100_000
#: Seconds before kept messages are tried again after the send queue was full.
RETRY_DELAY = 0.01
#: Seconds between a master's announcements of its epoch and sequence number.
HEARTBEAT = 1.0


class WatchingTransport:
    """The ``watch`` half of :class:`~zscript.storage.transport.StoreTransport`'s
    contract, for transports between processes (this module's, and Broker's).

    Keeps the messages to a watched topic that is not reachable (or that the
    network refused), in order and behind older ones of the same topic, up to
    ``max_pending`` (then the oldest are dropped and counted), and sends them
    once it is; runs the topic's watchers when it becomes reachable, after
    the kept messages went (a clone's writes reach the master before its
    snapshot request).  Implementations provide:

    * ``_do_reachable(topic)``: a node subscribed to ``topic`` is reachable;
    * ``_do_send(topic, message)``: send now; False if it was not sent;
    * ``_do_retry_later()``: a send was refused, try :meth:`_flush` again soon
      (nothing by default: the next :meth:`_changed` does);
    * ``_do_dropped()``: a kept message was dropped (nothing by default;
      ``drop_listeners`` are told the topic);

    and call :meth:`_changed` when the reachability of topics may have changed.
    """

    def __init__(self, *, max_pending: int = MAX_PENDING):
        self.max_pending = max_pending
        #: Messages sent, received (for a local store), and dropped (kept too long).
        self.sent = 0
        self.received = 0
        self.dropped = 0
        self._watchers: dict[str, list[Callable[[], None]]] = {}
        self._watch_up: dict[str, bool] = {}
        self._pending: deque[tuple[str, bytes]] = deque()
        self._pending_topics: Counter[str] = Counter()
        #: ``fn(topic)`` called when a kept message of ``topic`` is dropped.
        self.drop_listeners: list[Callable[[str], None]] = []

    def publish(self, topic: str, message: bytes) -> None:
        if self._pending_topics[topic]:
            self._keep(topic, message)  # behind older messages of the topic
        elif topic not in self._watchers:
            if not self._send(topic, message) and self._do_reachable(topic):
                self._keep(topic, message)  # a full send queue: slowed, not lost
                self._do_retry_later()
        elif not self._do_reachable(topic):
            self._keep(topic, message)
        elif not self._send(topic, message):
            self._keep(topic, message)
            self._do_retry_later()

    def watch(self, topic: str, callback: Callable[[], None]) -> None:
        """Call ``callback()`` whenever ``topic`` becomes reachable (now, if it is)."""
        watchers = self._watchers.setdefault(topic, [])
        if callback not in watchers:
            watchers.append(callback)
        up = self._watch_up[topic] = self._do_reachable(topic)
        if up:
            callback()

    def stats(self) -> dict[str, int]:
        return {
            "store_messages_sent": self.sent,
            "store_messages_received": self.received,
            "store_messages_dropped": self.dropped,
            "store_messages_pending": len(self._pending),
        }

    def _send(self, topic: str, message: bytes) -> bool:
        if self._do_send(topic, message):
            self.sent += 1
            return True
        return False

    def _keep(self, topic: str, message: bytes) -> None:
        if len(self._pending) >= self.max_pending:
            old, _ = self._pending.popleft()
            self._pending_topics[old] -= 1
            self.dropped += 1
            self._do_dropped()
            for fn in list(self.drop_listeners):
                fn(old)
        self._pending.append((topic, message))
        self._pending_topics[topic] += 1

    def _flush(self) -> None:
        """Send the kept messages whose topic is reachable, in order."""
        if not self._pending:
            return
        keep: deque[tuple[str, bytes]] = deque()
        blocked: set[str] = set()
        retry = False
        for topic, message in self._pending:
            if topic not in blocked and self._do_reachable(topic):
                if self._send(topic, message):
                    continue
                retry = True
            elif topic not in self._watchers:
                continue  # nobody listens any more: as ZeroMQ would, drop it
            blocked.add(topic)
            keep.append((topic, message))
        self._pending = keep
        self._pending_topics = Counter(t for t, _ in keep)
        if retry:
            self._do_retry_later()

    def _changed(self) -> None:
        """Topics may have become reachable: send what was kept, then run the
        watchers of the topics that came up."""
        self._flush()
        for topic, watchers in list(self._watchers.items()):
            up = self._do_reachable(topic)
            was = self._watch_up.get(topic, False)
            self._watch_up[topic] = up
            if up and not was:
                for cb in list(watchers):
                    cb()

    def _do_reachable(self, topic: str) -> bool:  # pragma: no cover - interface
        raise NotImplementedError

    def _do_send(self, topic: str, message: bytes) -> bool:  # pragma: no cover - interface
        raise NotImplementedError

    def _do_retry_later(self) -> None:
        pass

    def _do_dropped(self) -> None:
        pass


class ClusterStoreTransport(WatchingTransport):
    """A :class:`~zscript.storage.transport.StoreTransport` on the cluster
    backend of ``cluster`` (a :class:`~.subsystem.ClusterSubsystem`); see the
    module docstring.  Keeping and watching: :class:`WatchingTransport`."""

    #: Seconds between the masters' heartbeats (see the module docstring).
    heartbeat = HEARTBEAT

    def __init__(self, cluster, *, max_pending: int = MAX_PENDING):
        super().__init__(max_pending=max_pending)
        self.cluster = cluster
        self._callbacks: dict[bytes, list[Callable[[bytes], None]]] = {}
        self._reach: dict[str, bool] = {}
        self._raw: dict[str, bytes] = {}
        self._retry = None
        self._warned = False
        cluster.format_handlers[STORE_FORMAT] = self._receive
        cluster.topic_listeners.append(self._topic_seen)
        cluster.on_backend_up.append(self._changed)

    @property
    def is_master(self) -> bool:
        return self.cluster.node_type == "manager"

    def subscribe(self, topic: str, callback: Callable[[bytes], None]) -> None:
        raw = self._encode(topic)
        callbacks = self._callbacks.get(raw)
        if callbacks is None:
            callbacks = self._callbacks[raw] = []
            c = self.cluster
            if c.backend is not None:
                c.backend.subscribe(topic)
            else:
                c.pending_subscriptions.add(topic)
        if callback not in callbacks:
            callbacks.append(callback)

    # ------------------------------------------------------------- receiving

    def _receive(self, topic: bytes, payload: bytes) -> None:
        callbacks = self._callbacks.get(topic)
        if callbacks is None:
            return  # matched a subscription prefix, but no store of ours
        self.received += 1
        for cb in callbacks:
            cb(payload)
        # A change may have run &on_change, which may have queued events.
        self.cluster.host.loop.wake()

    def _topic_seen(self, topic: str, subscribed: bool) -> None:
        # Rare (processes starting and stopping): no need to look closer.
        self._changed()

    def _changed(self) -> None:
        """The backend connected, or other processes' subscriptions changed."""
        self._reach.clear()
        super()._changed()

    # --------------------------------------------------------------- sending

    def _encode(self, topic: str) -> bytes:
        raw = self._raw.get(topic)
        if raw is None:
            raw = self._raw[topic] = topic.encode("utf-8", "surrogateescape")
        return raw

    def _do_reachable(self, topic: str) -> bool:
        r = self._reach.get(topic)
        if r is None:
            be = self.cluster.backend
            if be is None:
                return False
            raw = self._encode(topic)
            r = self._reach[topic] = any(
                raw.startswith(p) for p in getattr(be, "remote_topics", ())
            )
        return r

    def _do_send(self, topic: str, message: bytes) -> bool:
        be = self.cluster.backend
        return be is not None and bool(be.send_raw(self._encode(topic), STORE_FORMAT, message))

    def _do_dropped(self) -> None:
        if not self._warned:
            self._warned = True
            self.cluster.host.reporter.warning(
                "cluster: store messages dropped (more than "
                f"{self.max_pending} waited to be sent); the stores resynchronize"
            )

    def _do_retry_later(self) -> None:
        loop = self.cluster.host.loop
        if self._retry is None and not loop.terminating:
            self._retry = loop.timers.add(loop.network_time + RETRY_DELAY, self._retry_flush)

    def _retry_flush(self) -> None:
        self._retry = None
        self._flush()
