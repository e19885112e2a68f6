"""What may reach a node from outside: local events, topic sizes, client access.

Three rules, each enforced where input enters the node:

**Local events.**  Some events a node raises about itself: its lifecycle
(``zeek_init``, ``zeek_done``, ``net_done``, ``network_time_init``,
``zeek_script_loaded``: Zeek raises them from ``zeek-setup.cc`` and
``RunState.cc``), what its own subsystems observe (``Cluster::node_up`` and
``node_down``, which the framework derives locally and never publishes;
``Cluster::websocket_client_added``/``lost`` of the WebSocket server it
hosts; the ZeroMQ backend's ``subscription``/``unsubscription`` notices;
the reporter's ``reporter_info``/``warning``/``error``; storage's
``Storage::backend_opened``/``lost``).  :data:`LOCAL_EVENTS` lists them.
Zeek dispatches any event that arrives with a handler; zscript never runs
one of these because a peer or a client sent it: the cluster subsystem
drops them (counted as ``local_events``) and the WebSocket server refuses
them with an error reply.  ``Cluster::hello`` is the handshake between
nodes (:data:`NODE_ONLY_EVENTS`): nodes send it to each other, WebSocket
clients, which are not nodes, may not.

**Topic sizes.**  A topic or subscription prefix has at most
:data:`MAX_TOPIC` bytes.  libzmq keeps subscriptions in a trie that it
walks recursively, one level per byte: a subscription of ~150 KB overflows
the stack of the process holding the central proxy (SIGSEGV).  Longer
topics are refused where they enter: ``Cluster::subscribe``/``publish``
(the backend, counted as ``refused_topics``), WebSocket subscriptions and
data messages (error replies), and raw ZeroMQ peers (the central proxy's
XPUB has ``ZMQ_MAXMSGSIZE`` set, so libzmq disconnects a peer that sends
a longer subscription before it reaches the trie).

**Client access** (zscript; Zeek has no authentication).  A WebSocket
server may give each token a :class:`ClientAccess`: the topic prefixes its
clients may subscribe to and publish on, and the events they may publish.
``None`` (unset) allows everything but the events above.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = [
    "FULL_ACCESS",
    "LOCAL_EVENTS",
    "MAX_TOPIC",
    "NODE_ONLY_EVENTS",
    "ClientAccess",
]

#: Bytes of a topic or subscription prefix (see the module docstring).
MAX_TOPIC = 4096

#: Events a node raises about itself and never accepts from the network.
LOCAL_EVENTS = frozenset(
    {
        "zeek_init",
        "zeek_done",
        "zeek_script_loaded",
        "net_done",
        "network_time_init",
        "Cluster::node_up",
        "Cluster::node_down",
        "Cluster::websocket_client_added",
        "Cluster::websocket_client_lost",
        "Cluster::Backend::ZeroMQ::subscription",
        "Cluster::Backend::ZeroMQ::unsubscription",
        "Cluster::Backend::NATS::subscription",
        "Cluster::Backend::NATS::unsubscription",
        "Cluster::Backend::NATS::connection",
        "reporter_info",
        "reporter_warning",
        "reporter_error",
        "Storage::backend_opened",
        "Storage::backend_lost",
    }
)

#: Events nodes send each other that clients (not nodes) may not send.
NODE_ONLY_EVENTS = frozenset({"Cluster::hello"})


def _prefixes(values: Iterable[str] | None) -> tuple[str, ...] | None:
    return None if values is None else tuple(sorted(set(values)))


class ClientAccess:
    """What the clients of one token may do (``None``: no restriction).

    :param subscribe_topics: prefixes a subscription must start with.
    :param publish_topics: prefixes the topic of a published event must start with.
    :param publish_events: names of the events it may publish.
    """

    __slots__ = ("publish_events", "publish_topics", "subscribe_topics")

    def __init__(
        self,
        subscribe_topics: Iterable[str] | None = None,
        publish_topics: Iterable[str] | None = None,
        publish_events: Iterable[str] | None = None,
    ):
        self.subscribe_topics = _prefixes(subscribe_topics)
        self.publish_topics = _prefixes(publish_topics)
        self.publish_events = None if publish_events is None else frozenset(publish_events)

    def __eq__(self, other) -> bool:
        return isinstance(other, ClientAccess) and all(
            getattr(self, k) == getattr(other, k) for k in self.__slots__
        )

    def __hash__(self) -> int:
        return hash(tuple(getattr(self, k) for k in self.__slots__))

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={getattr(self, k)!r}" for k in self.__slots__)
        return f"ClientAccess({fields})"

    def may_subscribe(self, prefix: str) -> bool:
        allowed = self.subscribe_topics
        return allowed is None or prefix.startswith(allowed)

    def refuse_publish(self, topic: str, event: str) -> str | None:
        """Why a client may not publish ``event`` on ``topic``, or None if it may."""
        if event in LOCAL_EVENTS or event in NODE_ONLY_EVENTS:
            return f"event '{event}' is raised by the node itself, not by clients"
        allowed = self.publish_topics
        if allowed is not None and not topic.startswith(allowed):
            return f"publishing on topic '{topic[:200]}' is not allowed"
        events = self.publish_events
        if events is not None and event not in events:
            return f"publishing event '{event}' is not allowed"
        return None


#: The access of a client without restrictions (still no local events).
FULL_ACCESS = ClientAccess()
