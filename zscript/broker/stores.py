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
:data:`~zscript.cluster.storetransport.MAX_PENDING`, then the oldest are
dropped and counted): :class:`~zscript.cluster.storetransport.WatchingTransport`.
"""

from __future__ import annotations

from collections.abc import Callable

from ..cluster.storetransport import WatchingTransport

__all__ = ["BrokerStoreTransport"]


class BrokerStoreTransport(WatchingTransport):
    """See the module docstring.  ``sub`` is the :class:`~.subsystem.BrokerSubsystem`."""

    def __init__(self, sub, endpoint):
        super().__init__()
        self.sub = sub
        self.ep = endpoint
        self._callbacks: dict[str, list[Callable[[bytes], None]]] = {}
        endpoint.on_topics_changed.append(self._changed)
        sub.store_messages = self._receive

    @property
    def is_master(self) -> bool:
        return bool(self.sub.host.global_value("Broker::table_store_master", True))

    def subscribe(self, topic: str, callback: Callable[[bytes], None]) -> None:
        callbacks = self._callbacks.setdefault(topic, [])
        if not callbacks:
            self.ep.subscribe(topic)
        if callback not in callbacks:
            callbacks.append(callback)

    # ------------------------------------------------------------ internals

    def _do_reachable(self, topic: str) -> bool:
        return any(p.wants(topic) for p in self.ep.peers)

    def _do_send(self, topic: str, message: bytes) -> bool:
        from . import wire

        return bool(self.ep.publish(wire.STORE, topic, message))

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
        super()._changed()
        self.sub.host.loop.wake()
