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

WebSocket clients of such a node get a :class:`BrokerHub` each (Zeek's
``WebSocketShim`` over a ``broker::hub``, src/broker/WebSocketShim.cc): its
subscriptions are the endpoint's too, so peers send it their events; what
the node publishes reaches the hubs subscribed to the topic; what a hub
publishes goes to the peers, to the node (if it subscribed to the topic)
and to the other hubs, never back to the hub itself.
"""

from __future__ import annotations

from collections.abc import Callable

from ..cluster.backend import ClusterBackend
from . import wire

__all__ = ["BrokerClusterBackend", "BrokerHub"]


class BrokerClusterBackend(ClusterBackend):
    """A :class:`~zscript.cluster.backend.ClusterBackend` on a Broker endpoint."""

    def __init__(self, node_id: str, warn: Callable[[str], None], endpoint, sub):
        super().__init__(node_id, warn)
        self.ep = endpoint
        self.sub = sub
        #: The WebSocket clients' hubs on this endpoint.
        self.hubs: list[BrokerHub] = []
        #: Endpoint subscriptions that only hubs asked for (the node itself
        #: does not receive what arrives on them).
        self._hub_only: set[str] = set()

    def make_client_backend(self, node_id: str, warn: Callable[[str], None]) -> BrokerHub:
        """A WebSocket client's backend: a hub on this endpoint."""
        return BrokerHub(node_id, warn, self)

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
        if self.hubs:
            self.to_hubs(None, topic, fmt, payload)
        return True

    def _do_subscribe(self, prefix: bytes) -> bool:
        text = wire.text(prefix)
        self._hub_only.discard(text)
        self.ep.subscribe(text)
        return True

    def _do_unsubscribe(self, prefix: bytes) -> bool:
        text = wire.text(prefix)
        if any(text in h.subscriptions for h in self.hubs):
            self._hub_only.add(text)  # still needed by a WebSocket client
            return True
        return self.ep.unsubscribe(text)

    # ------------------------------------------------------------- hubs

    def hub_subscribe(self, prefix: str) -> None:
        if prefix not in self.ep.subscriptions:
            self._hub_only.add(prefix)
            self.ep.subscribe(prefix)

    def hub_release(self, prefix: str) -> None:
        """A hub no longer wants ``prefix``: the endpoint drops it unless the
        node or another hub still does."""
        if prefix not in self._hub_only or any(prefix in h.subscriptions for h in self.hubs):
            return
        self._hub_only.discard(prefix)
        self.ep.unsubscribe(prefix)

    def node_wants(self, topic: str) -> bool:
        return any(topic.startswith(p) for p in self.ep.subscriptions if p not in self._hub_only)

    def to_hubs(self, source: BrokerHub | None, topic: bytes, fmt: bytes, payload: bytes) -> None:
        """Hand a message to every hub but ``source`` subscribed to ``topic``."""
        text = wire.text(topic)
        for h in list(self.hubs):
            if h is not source and any(text.startswith(p) for p in h.subscriptions):
                h.deliver(topic, fmt, payload)

    def _do_terminate(self) -> None:
        self.sub.cluster_messages = None

    def _received(self, topic: str, body: bytes) -> None:
        try:
            fmt, payload = wire.split_format(body)
        except wire.FrameError:
            self.stats.malformed += 1
            return
        raw = wire.encode_text(topic)
        if not self._hub_only or self.node_wants(topic):
            self.deliver(raw, fmt, payload)
        if self.hubs:
            self.to_hubs(None, raw, fmt, payload)

    def _topics_changed(self) -> None:
        self.topic_seen("", True)


class BrokerHub(ClusterBackend):
    """One WebSocket client's backend on a node using Broker (see the module
    docstring).  Its subscriptions take effect at once (a hub subscribes
    on the local endpoint only, as Broker's does)."""

    def __init__(self, node_id: str, warn: Callable[[str], None], node: BrokerClusterBackend):
        super().__init__(node_id, warn)
        self.node = node

    def _do_init(self) -> bool:
        self.node.hubs.append(self)
        return True

    def _do_start_io(self, aloop) -> None:
        pass  # messages come through the node's endpoint

    def _do_publish(self, topic: bytes, fmt: bytes, payload: bytes) -> bool:
        node = self.node
        node.ep.publish(wire.CLUSTER, wire.text(topic), wire.with_format(fmt, payload))
        if node.node_wants(wire.text(topic)):
            node.deliver(topic, fmt, payload)
        node.to_hubs(self, topic, fmt, payload)
        return True

    def _do_subscribe(self, prefix: bytes) -> bool:
        text = wire.text(prefix)
        self.node.hub_subscribe(text)
        self.topic_seen(text, True)
        return True

    def _do_unsubscribe(self, prefix: bytes) -> bool:
        self.node.hub_release(wire.text(prefix))
        return True

    def _do_terminate(self) -> None:
        node = self.node
        if self in node.hubs:
            node.hubs.remove(self)
        for prefix in list(self.subscriptions):
            node.hub_release(prefix)
