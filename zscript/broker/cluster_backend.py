"""Broker as a cluster backend: :class:`BrokerClusterBackend`.

With ``frameworks/cluster/backend/broker`` loaded, ``Cluster::init()``
makes this process's Broker endpoint (:mod:`.endpoint`) its cluster
backend, as Zeek's Broker backend does: ``Cluster::publish`` and
``Cluster::subscribe`` go over the peerings the backend's script makes
(workers peer with the manager and the proxies, everybody with the loggers),
and a message reaches only the peers subscribed to its topic (no
forwarding: a worker's event for another worker is not delivered, as with
Broker).  Cluster messages travel as CLUSTER frames carrying their format
(the event serializer's, or the replicated stores'), so the cluster
subsystem decodes them as it decodes the ZeroMQ backend's.  Peers'
subscriptions are the backend's ``remote_topics`` (what the replicated
stores check for reachability); every change is reported through
``topic_seen``.
"""

from __future__ import annotations

from collections.abc import Callable

from ..cluster.backend import ClusterBackend
from . import wire

__all__ = ["BrokerClusterBackend"]


class BrokerClusterBackend(ClusterBackend):
    """A :class:`~zscript.cluster.backend.ClusterBackend` on a Broker endpoint."""

    def __init__(self, node_id: str, warn: Callable[[str], None], endpoint, sub):
        super().__init__(node_id, warn)
        self.ep = endpoint
        self.sub = sub

    @property
    def remote_topics(self) -> list[bytes]:
        return [wire.encode_text(t) for p in self.ep.peers for t in p.subscriptions]

    def _do_init(self) -> bool:
        self.sub.cluster_messages = self._received
        self.ep.on_topics_changed.append(self._topics_changed)
        for prefix in self.subscriptions:
            self.ep.subscribe(prefix)
        return True

    def _do_start_io(self, aloop) -> None:
        pass  # the endpoint is already an I/O source of the loop

    def _do_publish(self, topic: bytes, fmt: bytes, payload: bytes) -> bool:
        self.ep.publish(wire.CLUSTER, wire.text(topic), wire.with_format(fmt, payload))
        return True

    def _do_subscribe(self, prefix: bytes) -> bool:
        self.ep.subscribe(wire.text(prefix))
        return True

    def _do_unsubscribe(self, prefix: bytes) -> bool:
        return self.ep.unsubscribe(wire.text(prefix))

    def _do_terminate(self) -> None:
        self.sub.cluster_messages = None

    def _received(self, topic: str, body: bytes) -> None:
        try:
            fmt, payload = wire.split_format(body)
        except wire.FrameError:
            self.stats.malformed += 1
            return
        self.deliver(wire.encode_text(topic), fmt, payload)

    def _topics_changed(self) -> None:
        self.topic_seen("", True)
