"""Replicated stores over Broker peerings: :class:`BrokerStoreTransport`.

A :class:`~zscript.storage.transport.StoreTransport` on a process's Broker
endpoint, so ``Broker::create_master``/``create_clone`` stores and
``&backend`` tables replicate between peers as they do in Zeek: the master
lives where ``create_master`` was called (for ``&backend`` tables, where
``Broker::table_store_master`` is true), clones on the peers.  The
composition root installs it when the endpoint is created in a process
that is not a node of a cluster layout (a cluster node replicates over the
cluster's transport).

Store messages are STORE frames on the store's topics
(``zscript/store/<name>/master`` and ``.../clones``); the endpoint sends
them only to peers subscribed to the topic.  A topic is *reachable* when a
peer subscribed to a prefix of it; clones :meth:`watch` their master's topic
and ask for a snapshot whenever it becomes reachable (a peering came up, or
the peer created the master).  Messages to a watched topic that is not
reachable yet are kept, in order, and sent once it is (up to
:data:`MAX_PENDING`, then the oldest are dropped and counted).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

__all__ = ["BrokerStoreTransport"]

#: Messages kept for unreachable watched topics before the oldest are dropped.
MAX_PENDING = 100_000


class BrokerStoreTransport:
    """See the module docstring.  ``sub`` is the :class:`~.subsystem.BrokerSubsystem`."""

    def __init__(self, sub, endpoint):
        self.sub = sub
        self.ep = endpoint
        self.sent = 0
        self.received = 0
        self.dropped = 0
        self._callbacks: dict[str, list[Callable[[bytes], None]]] = {}
        self._watchers: dict[str, list[Callable[[], None]]] = {}
        self._up: dict[str, bool] = {}
        self._pending: deque[tuple[str, bytes]] = deque()
        endpoint.on_topics_changed.append(self._changed)
        sub.store_messages = self._receive

    @property
    def is_master(self) -> bool:
        return bool(self.sub.host.global_value("Broker::table_store_master", True))

    # ------------------------------------------------------ StoreTransport

    def publish(self, topic: str, message: bytes) -> None:
        if topic in self._watchers and not self._reachable(topic):
            if len(self._pending) >= MAX_PENDING:
                self._pending.popleft()
                self.dropped += 1
            self._pending.append((topic, message))
            return
        self._send(topic, message)

    def subscribe(self, topic: str, callback: Callable[[bytes], None]) -> None:
        callbacks = self._callbacks.setdefault(topic, [])
        if not callbacks:
            self.ep.subscribe(topic)
        if callback not in callbacks:
            callbacks.append(callback)

    def watch(self, topic: str, callback: Callable[[], None]) -> None:
        watchers = self._watchers.setdefault(topic, [])
        if callback not in watchers:
            watchers.append(callback)
        up = self._up[topic] = self._reachable(topic)
        if up:
            callback()

    def stats(self) -> dict[str, int]:
        return {
            "store_messages_sent": self.sent,
            "store_messages_received": self.received,
            "store_messages_dropped": self.dropped,
            "store_messages_pending": len(self._pending),
        }

    # ------------------------------------------------------------ internals

    def _reachable(self, topic: str) -> bool:
        return any(p.wants(topic) for p in self.ep.peers)

    def _send(self, topic: str, message: bytes) -> None:
        from . import wire

        if self.ep.publish(wire.STORE, topic, message):
            self.sent += 1

    def _receive(self, topic: str, payload: bytes) -> None:
        callbacks = self._callbacks.get(topic)
        if not callbacks:
            return
        self.received += 1
        for cb in list(callbacks):
            cb(payload)
        self.sub.host.loop.wake()

    def _changed(self) -> None:
        """A peering or a peer's subscriptions changed."""
        if self._pending:
            keep: deque[tuple[str, bytes]] = deque()
            blocked: set[str] = set()
            for topic, message in self._pending:
                if topic not in blocked and self._reachable(topic):
                    self._send(topic, message)
                else:
                    blocked.add(topic)
                    keep.append((topic, message))
            self._pending = keep
        for topic, watchers in list(self._watchers.items()):
            up = self._reachable(topic)
            was = self._up.get(topic, False)
            self._up[topic] = up
            if up and not was:
                for cb in list(watchers):
                    cb()
        self.sub.host.loop.wake()
