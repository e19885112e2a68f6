"""The cluster backend interface (Zeek's ``src/cluster/Backend.h``).

A :class:`ClusterBackend` moves events between the processes of a cluster.
Its public methods keep the bookkeeping every backend shares (counters,
subscription state, the one-time warnings of an overloaded or misconfigured
node) and call the ``_do_*`` hooks a concrete backend implements:

* ``_do_init()``: connect; after it the node can publish and subscribe;
* ``_do_publish(topic, payload)``: send one serialized event; return False
  when the event was dropped (a full send queue);
* ``_do_subscribe(prefix)`` / ``_do_unsubscribe(prefix)``;
* ``_do_start_io(aloop)``: hook the backend's sockets into the asyncio loop
  that drives the event loop;
* ``_do_terminate()``: disconnect.

Incoming traffic is handed to :meth:`ClusterBackend.deliver` (an event to
queue) and :meth:`ClusterBackend.topic_seen` (another node's subscription or
unsubscription), which the subsystem connects to the event loop.  A backend
that reads messages in batches may also ask :attr:`ClusterBackend.fast_path`
once per batch for a shortcut (see there).

Topics and subscription prefixes longer than :data:`~.access.MAX_TOPIC`
bytes are refused here, before any transport sees them: ``publish`` and
``subscribe`` return False and count ``refused_topics``.
"""

from __future__ import annotations

from collections.abc import Callable

from .access import MAX_TOPIC

__all__ = ["BackendStats", "ClusterBackend"]


class BackendStats:
    """Counters of one node's cluster traffic (shown by status and metrics)."""

    __slots__ = (
        "events_in",
        "events_out",
        "format_mismatches",
        "local_events",
        "malformed",
        "proxy_disconnects",
        "recv_drops",
        "refused_topics",
        "send_drops",
        "send_waits",
        "unknown_events",
    )

    def __init__(self):
        self.events_in = 0
        self.events_out = 0
        #: Dropped because the send queue (XPUB high-water mark) was full.
        self.send_drops = 0
        #: Publishes that found the send queue full and waited for room (flow control).
        self.send_waits = 0
        #: Dropped because the local event queue was over its high-water mark.
        self.recv_drops = 0
        #: Messages that could not be parsed or decoded.
        self.malformed = 0
        #: Messages in another serialization format than ours.
        self.format_mismatches = 0
        #: Events this node does not declare.
        self.unknown_events = 0
        #: Times the connection to the central proxy broke (the manager went away).
        self.proxy_disconnects = 0
        #: Events this node raises itself that arrived from the network (dropped).
        self.local_events = 0
        #: Publishes and subscriptions refused for a topic over ``MAX_TOPIC`` bytes.
        self.refused_topics = 0

    def as_dict(self) -> dict[str, int]:
        return {k: getattr(self, k) for k in self.__slots__}


class ClusterBackend:
    """Base class of cluster transports; see the module docstring."""

    #: Names the backend in errors (``ZeroMQ: Failed to connect ...``).
    name = "ZeroMQ"
    #: Prefix of the script events ``subscription``/``unsubscription`` that
    #: report other processes' subscriptions (:meth:`topic_seen`).
    script_module = "Cluster::Backend::ZeroMQ::"

    def __init__(self, node_id: str, warn: Callable[[str], None]):
        self.node_id = node_id
        self.stats = BackendStats()
        self.subscriptions: set[str] = set()
        self.warn = warn
        self._warned: set[str] = set()
        #: Set by the subsystem: called with (topic, format, payload) for each event received.
        self.deliver: Callable[[bytes, bytes, bytes], None] = lambda topic, fmt, payload: None
        #: Set by the subsystem: called once per batch of received messages,
        #: returns None or ``(format, receive, done)``: while reading that
        #: batch, a payload in ``format`` may go to ``receive(payload)``
        #: instead of ``deliver``; True means it is queued (False: call
        #: ``deliver`` as usual); after the batch, ``done(n)`` is called with
        #: the number ``receive`` took.
        self.fast_path: Callable[[], tuple | None] = lambda: None
        #: Set by the subsystem: called with (topic, subscribed: bool) for others' (un)subscriptions.
        self.topic_seen: Callable[[str, bool], None] = lambda topic, on: None
        self.initialized = False
        #: Encoded topics of recent publishes.
        self._topics: dict[str, bytes] = {}

    def warn_once(self, key: str, message: str) -> None:
        if key not in self._warned:
            self._warned.add(key)
            self.warn(message)

    # ------------------------------------------------------------ public API

    def init(self) -> bool:
        if self.initialized:
            return True
        self.initialized = self._do_init()
        return self.initialized

    def start_io(self, aloop) -> None:
        self._do_start_io(aloop)

    def publish(self, topic: str, fmt: bytes, payload: bytes) -> bool:
        raw = self._topics.get(topic)
        if raw is None:
            raw = topic.encode("utf-8", "surrogateescape")
            if not self._topic_fits(raw):
                return False
            if len(self._topics) >= 1024:
                self._topics.clear()
            self._topics[topic] = raw
        if self._do_publish(raw, fmt, payload):
            self.stats.events_out += 1
            return True
        self.stats.send_drops += 1
        self.warn_once(
            "send-drop", "cluster: send queue full (high-water mark reached); dropping events"
        )
        return False

    def send_raw(self, topic: bytes, fmt: bytes, payload: bytes) -> bool:
        """Send a message that is not an event (``fmt`` names what it is).

        Not counted in :class:`BackendStats` (the sender keeps its own
        counters); False when the send queue is full.
        """
        return self._do_publish(topic, fmt, payload)

    def subscribe(self, prefix: str) -> bool:
        raw = prefix.encode("utf-8", "surrogateescape")
        if not self._topic_fits(raw):
            return False
        self.subscriptions.add(prefix)
        return self._do_subscribe(raw)

    def unsubscribe(self, prefix: str) -> bool:
        self.subscriptions.discard(prefix)
        return self._do_unsubscribe(prefix.encode("utf-8", "surrogateescape"))

    def _topic_fits(self, raw: bytes) -> bool:
        if len(raw) <= MAX_TOPIC:
            return True
        self.stats.refused_topics += 1
        self.warn_once(
            "long-topic",
            f"cluster: refused a topic of {len(raw)} bytes (at most {MAX_TOPIC})",
        )
        return False

    def terminate(self) -> None:
        if self.initialized:
            self._do_terminate()
            self.initialized = False

    # ----------------------------------------------------------------- hooks

    def _do_init(self) -> bool:  # pragma: no cover - interface
        raise NotImplementedError

    def _do_start_io(self, aloop) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    def _do_publish(self, topic: bytes, fmt: bytes, payload: bytes) -> bool:  # pragma: no cover
        raise NotImplementedError

    def _do_subscribe(self, prefix: bytes) -> bool:  # pragma: no cover - interface
        raise NotImplementedError

    def _do_unsubscribe(self, prefix: bytes) -> bool:  # pragma: no cover - interface
        raise NotImplementedError

    def _do_terminate(self) -> None:  # pragma: no cover - interface
        raise NotImplementedError
