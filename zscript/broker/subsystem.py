"""The Broker subsystem: Broker's script API on a process's endpoint.

:func:`install` registers the built-in functions behind the ``Broker::``
functions of ``base/frameworks/broker/main`` (``__listen``, ``__peer``,
``__unpeer``, ``__peers``, ``__subscribe`` ...) and ``Broker::publish``,
``Broker::make_event`` and ``is_remote_event``.  The endpoint
(:mod:`.endpoint`) is created on first use, so a script that does not use
Broker costs nothing at start-up.

Events are serialized with the cluster's ``broker-bin-v1`` serializer
(:meth:`zscript.cluster.subsystem.ClusterSubsystem.make_serializer`) and
decoded with the *receiver's* declaration of the event, as cluster events
are; an event nobody handles, or one that does not decode, is dropped and
counted (:attr:`BrokerSubsystem.dropped`).  A received event runs with
``is_remote_event()`` true.  Peering changes become the script events
``Broker::peer_added``, ``peer_lost``, ``peer_removed``,
``endpoint_discovered`` and ``endpoint_unreachable`` with Zeek's messages
(zeek/broker ``src/endpoint.cc``, Zeek's ``src/broker/Manager.cc``);
failures ``Broker::error``.  As in Zeek (``Manager::Listen``/``Peer``),
listening, and peering unless ``Broker::peer_counts_as_iosource`` is F,
make the endpoint a counting I/O source: the process then runs until
``terminate()``.  ``Broker::publish_id`` sends a global's value as a
one-argument message named after it; the receiver assigns its global of
that name (if it has one whose type the value fits).
"""

from __future__ import annotations

from ..runtime.addresses import Port
from ..runtime.containers import Vector
from ..runtime.values import Record, box, record_class

__all__ = ["BrokerSubsystem", "install"]

_UNSPECIFIED_ID = "00000000-0000-0000-0000-000000000000"


class LocalData:
    """The opaque value of a ``Broker::Data`` made locally (``make_event``
    arguments): the value and its type, published as they are."""

    __slots__ = ("t", "value")

    def __init__(self, value, t):
        self.value = value
        self.t = t

    def zeek_describe(self) -> str:
        from ..runtime.describe import describe

        return "broker::data{" + describe(self.value, self.t) + "}"

    __str__ = zeek_describe


class _RemoteCall:
    """Dispatches one received event: the real handler's bodies run with
    ``is_remote_event()`` true (the event queue sees one body: this)."""

    __slots__ = ("calls", "handler", "handlers", "sub")

    def __init__(self, sub: BrokerSubsystem, handler):
        self.sub = sub
        self.handler = handler
        self.handlers = (self,)
        self.calls = 0

    def __call__(self, *args) -> None:
        sub = self.sub
        sub.remote = True
        h = self.handler
        h.calls += 1
        try:
            for fn in h.handlers:
                try:
                    fn(*args)
                except Exception as exc:  # noqa: BLE001 - one body aborts, the rest run
                    sub.host.loop.queue.report(exc)
        finally:
            sub.remote = False


class BrokerSubsystem:
    def __init__(self, host):
        self.host = host
        self.endpoint = None
        self.serializer = None
        self._serialization_error: type | tuple = ()
        #: True while the handlers of a received event run.
        self.remote = False
        #: Received messages dropped (undecodable, unknown or unhandled events).
        self.dropped = 0
        self._calls: dict[str, _RemoteCall] = {}
        self._counting = False
        #: Called with the endpoint when it is created (the composition root
        #: connects remote logging and replicated stores there).
        self.on_endpoint: list = []
        #: Set by the composition root: ``fn(payload)`` writes a received log batch.
        self.accept_log = None
        #: Set by Broker as the cluster backend (:mod:`.cluster_backend`).
        self.cluster_messages = None
        #: The peers as the scripts have seen them come and go: changed in
        #: event order (``loop.post_call``), so a ``Broker::peer_added``
        #: handler still lists a peer whose loss is queued behind it.
        self._seen_peers: list = []
        #: Set by the store transport (:mod:`.stores`): ``fn(topic, payload)``.
        self.store_messages = None
        #: Set by the composition root: ``fn()`` hands on buffered log writes.
        self.flush_logs = lambda: None
        _register(host, self)
        from .data import register_data_bifs

        self.data = register_data_bifs(host)

    # ------------------------------------------------------------ endpoint

    def ep(self):
        """The process's endpoint, created on first use."""
        if self.endpoint is None:
            from .endpoint import BrokerEndpoint

            ep = self.endpoint = BrokerEndpoint(self._tls())
            ep.on_unavailable = self._unavailable
            loop = self.host.loop
            ep.add_io = loop.add_io
            ep.on_peer_added = self._peer_added
            ep.on_peer_lost = self._peer_lost
            ep.on_peer_removed = self._peer_removed
            ep.on_message = self._message
            loop.on_exit.append(ep.close)
            for fn in self.on_endpoint:
                fn(ep)
        return self.endpoint

    def _tls(self):
        """The TLS contexts the ``Broker::ssl_*`` options ask for (:mod:`.tls`)."""
        from . import tls

        g = self.host.global_value
        try:
            return tls.contexts(
                disable=bool(g("Broker::disable_ssl", False)),
                cafile=str(g("Broker::ssl_cafile", "") or ""),
                capath=str(g("Broker::ssl_capath", "") or ""),
                certificate=str(g("Broker::ssl_certificate", "") or ""),
                keyfile=str(g("Broker::ssl_keyfile", "") or ""),
                passphrase=str(g("Broker::ssl_passphrase", "") or ""),
            )
        except tls.TLSConfigError as e:
            # No peering may come up unauthenticated: nothing verifies then.
            self.host.reporter.error(f"Broker: cannot use the TLS settings: {e}")
            return tls.refusing()

    def _unavailable(self, address: str, port: int) -> None:
        self.error(
            "PEER_UNAVAILABLE",
            f'({_UNSPECIFIED_ID}, *{address}:{port}, "unable to connect to remote peer")',
        )

    @property
    def is_cluster_backend(self) -> bool:
        """Whether Broker is the cluster backend (``frameworks/cluster/backend/broker``):
        then log writes go to the peers subscribed to their topic."""
        return str(self.host.global_value("Cluster::backend", "")) == (
            "Cluster::CLUSTER_BACKEND_BROKER"
        )

    def send_log(self, path: str, payload: bytes) -> bool:
        """Publish a batch of log writes of ``path`` on its log topic."""
        from . import wire

        prefix = self.host.global_value("Broker::default_log_topic_prefix", "zeek/logs/")
        self.ep().publish(wire.LOG, f"{prefix}{path}", payload)
        return True

    def cluster_backend(self, node_id: str):
        """A new cluster backend on this process's endpoint (``Cluster::init``
        with Broker as the backend)."""
        from .cluster_backend import BrokerClusterBackend

        return BrokerClusterBackend(node_id, self.host.reporter.warning, self.ep(), self)

    def _count_as_source(self) -> None:
        """Keep the process running from now on (once)."""
        if not self._counting:
            self._counting = True
            self.host.loop.sources += 1

    def _serializer(self):
        if self.serializer is None:
            cluster = self.host.subsystems["cluster"]
            self.serializer = cluster.make_serializer("broker-bin-v1")
            from ..cluster.serializers import SerializationError

            self._serialization_error = SerializationError
        return self.serializer

    # -------------------------------------------------------------- events

    def endpoint_info(self, peer):
        host = self.host
        net = record_class(host.script_type("Broker::NetworkInfo"))._zmake(
            {"f_address": peer.address, "f_bound_port": Port(peer.port, "tcp")}
        )
        return record_class(host.script_type("Broker::EndpointInfo"))._zmake(
            {"f_id": peer.id, "f_network": net}
        )

    def _post(self, name: str, args: tuple) -> None:
        h = self.host.loop.registry.lookup(name)
        if h is not None and h.handlers:
            self.host.loop.post(h, args)

    def _peer_added(self, peer) -> None:
        from .endpoint import MSG_ADDED

        self.host.loop.post_call(lambda: self._seen_peers.append(peer))
        info = self.endpoint_info(peer)
        self._post("Broker::endpoint_discovered", (info, "found a new peer in the network"))
        self._post("Broker::peer_added", (info, MSG_ADDED))

    def _peer_lost(self, peer) -> None:
        from .endpoint import MSG_LOST

        self._forget(peer)
        info = self.endpoint_info(peer)
        self._post("Broker::peer_lost", (info, MSG_LOST))
        self._post("Broker::endpoint_unreachable", (info, "lost the last path"))

    def _peer_removed(self, peer) -> None:
        from .endpoint import MSG_REMOVED

        self._forget(peer)
        info = self.endpoint_info(peer)
        self._post("Broker::peer_removed", (info, MSG_REMOVED))
        self._post("Broker::endpoint_unreachable", (info, "lost the last path"))

    def _forget(self, peer) -> None:
        """Drop ``peer`` from what ``Broker::peers()`` lists, in event order."""

        def forget() -> None:
            if peer in self._seen_peers:
                self._seen_peers.remove(peer)

        self.host.loop.post_call(forget)

    def error(self, code: str, message: str) -> None:
        """Raise ``Broker::error(Broker::<code>, message)``."""
        h = self.host.loop.registry.lookup("Broker::error")
        if h is not None and h.handlers:
            self.host.loop.event(h, (self.host.enum_value("Broker::" + code), message))

    def _message(self, peer, kind: int, topic: str, payload: bytes) -> None:
        from . import wire

        if kind == wire.EVENT:
            self._event(payload)
        elif kind == wire.CLUSTER and self.cluster_messages is not None:
            self.cluster_messages(topic, payload)
        elif kind == wire.STORE and self.store_messages is not None:
            self.store_messages(topic, payload)
        elif kind == wire.ID:
            self._id(payload)
        elif kind == wire.LOG and self.accept_log is not None:
            try:
                self.accept_log(payload)
            except ValueError:
                self.dropped += 1
            self.host.loop.wake()
        else:
            self.dropped += 1

    def _event(self, payload: bytes) -> None:
        ser = self._serializer()
        try:
            name, args, meta = ser.deserialize_event_meta(payload, self._lookup)
        except self._serialization_error:
            self.dropped += 1
            return
        call = self._calls.get(name)
        if call is None:
            h = self.host.loop.handler(name, self._lookup(name))
            call = self._calls[name] = _RemoteCall(self, h)
        if not call.handler.handlers:
            return
        self.host.loop.post_remote(call, tuple(args), meta)

    def _id(self, payload: bytes) -> None:
        from ..types import VOID, FuncType, Param

        def lookup(name: str):
            gid = self.host.checker.globals.get(name)
            if gid is None or gid.kind in ("func", "enum", "type", "event", "hook"):
                return None
            found.append(name)
            return FuncType("event", [Param("value", gid.type)], VOID)

        found: list[str] = []
        try:
            _name, args = self._serializer().deserialize_event(payload, lookup)
        except self._serialization_error:
            self.dropped += 1
            return
        self.host.set_global(found[0], args[0])

    def publish_id(self, topic: str, name: str) -> bool:
        gid = self.host.checker.globals.get(name)
        if gid is None:
            self.host.builtin_error(f"Broker::publish_id: no such identifier '{name}'")
            return False
        value = self.host.global_value(name)
        if value is None:
            self.host.builtin_error(f"Broker::publish_id: '{name}' has no value")
            return False
        try:
            payload = self._serializer().serialize_event(name, [value], [gid.type])
        except self._serialization_error as e:
            self.host.builtin_error(str(e))
            return False
        from . import wire

        self.ep().publish(wire.ID, topic, payload)
        return True

    def _lookup(self, name: str):
        gid = self.host.checker.globals.get(name)
        if gid is None or getattr(gid.type, "flavor", None) != "event":
            return None
        return gid.type

    # ----------------------------------------------------------- publishing

    def publish(self, topic: str, vals: tuple) -> bool:
        """``Broker::publish(topic, ev, args...)`` or ``(topic, Broker::Event)``."""
        from ..cluster.bifs import PublishError, check_event_args, publish_types

        host = self.host
        try:
            if not vals:
                raise PublishError("no event arguments given", with_call=True)
            first = vals[0]
            if isinstance(first, Record):
                rname = first._rtype.name
                if rname != "Broker::Event":
                    raise PublishError(f"expected Broker::Event, got {rname}", with_call=True)
                name = getattr(first, "f_name", None)
                if name is None:
                    return False
                ev = host.ns.get(host.checker.globals[name].py_name)
                args = tuple(_local_value(d) for d in first.f_args)
            else:
                ev, args = first, vals[1:]
            ft, checked = check_event_args(ev, args)
        except PublishError as e:
            if e.with_call:
                host.builtin_error(str(e))
            else:
                host.reporter.error(str(e))
            return False
        ser = self._serializer()
        md = host.loop.metadata
        try:
            payload = ser.serialize_event(ev.name, checked, publish_types(ft), md.outgoing())
        except self._serialization_error as e:
            host.builtin_error(str(e))
            return False
        from . import wire

        self.ep().publish(wire.EVENT, topic, payload)
        return True

    def make_event(self, vals: tuple):
        from ..cluster.bifs import PublishError, check_event_args

        host = self.host
        rt = host.script_type("Broker::Event")
        data_t = host.script_type("Broker::Data")
        dv_t = host.script_type("Broker::DataVector")
        try:
            if not vals:
                raise PublishError("not enough arguments", with_call=True)
            ft, checked = check_event_args(vals[0], vals[1:])
        except PublishError as e:
            if e.with_call:
                host.builtin_error(str(e))
            else:
                host.reporter.error(str(e))
            return record_class(rt)._zmake({"f_args": Vector(dv_t)})
        make = record_class(data_t)._zmake
        args = [
            make({"f_data": LocalData(v, p.type)}) for v, p in zip(checked, ft.params, strict=True)
        ]
        return record_class(rt)._zmake({"f_name": vals[0].name, "f_args": Vector(dv_t, args)})

    def peering_stats(self):
        """``Broker::peering_stats()``: each peer's send buffer, by peer id.

        The buffers are not bounded (a slow peer is not disconnected and
        nothing is dropped), so ``num_overflows`` stays 0."""
        host = self.host
        tt = host.script_type("BrokerPeeringStatsTable")
        make = record_class(host.script_type("BrokerPeeringStats"))._zmake
        out = host.make_table(tt)
        if self.endpoint is None:
            return out
        reset = float(host.global_value("Broker::buffer_stats_reset_interval", 60.0))
        now = host.loop.network_time
        for p in self.endpoint.peers:
            queued, recent = p.buffer_stats(now, reset)
            out[p.id] = make(
                {"f_num_queued": queued, "f_max_queued_recently": recent, "f_num_overflows": 0}
            )
        return out

    # ------------------------------------------------------------- peering

    def listen(self, address: str, port) -> Port:
        bound = self.ep().listen(address, port.num)
        self._count_as_source()
        return Port(bound, "tcp")

    def peer(self, address: str, port, retry: float) -> bool:
        self.ep().peer(address, port.num, float(retry))
        if self.host.global_value("Broker::peer_counts_as_iosource", True):
            self._count_as_source()
        return True

    def unpeer(self, address: str, port) -> bool:
        if self.ep().unpeer(address, port.num):
            return True
        self.error(
            "PEER_INVALID",
            f'({_UNSPECIFIED_ID}, *{address}:{port.num}, "cannot unpeer from unknown peer")',
        )
        return False

    def peers(self):
        host = self.host
        pi = record_class(host.script_type("Broker::PeerInfo"))._zmake
        peered = host.enum_value("Broker::PEERED")
        items = [
            pi({"f_peer": self.endpoint_info(p), "f_status": peered, "f_is_outbound": p.outbound})
            for p in self._seen_peers
        ]
        return Vector(host.script_type("Broker::PeerInfos"), items)


def _local_value(d):
    data = getattr(d, "f_data", None)
    if isinstance(data, LocalData):
        return box(data.value, data.t)
    return d  # received Broker::Data: published as the data it holds


def _register(host, sub: BrokerSubsystem) -> None:
    add = host.add_bif
    add("Broker::__listen", "function(a: string, p: port): port", sub.listen)
    add("Broker::__peer", "function(a: string, p: port, retry: interval): bool", sub.peer)
    add("Broker::__unpeer", "function(a: string, p: port): bool", sub.unpeer)
    add(
        "Broker::__is_outbound_peering",
        "function(a: string, p: port): bool",
        lambda a, p: sub.ep().is_outbound(a, p.num),
    )
    add("Broker::__peers", "function(): Broker::PeerInfos", sub.peers)
    add(
        "Broker::__peer_no_retry",
        "function(a: string, p: port): bool",
        lambda a, p: sub.peer(a, p, 0.0),
    )
    add("Broker::__node_id", "function(): string", lambda: sub.ep().node_id)
    add(
        "Broker::__subscribe",
        "function(topic_prefix: string): bool",
        lambda t: sub.ep().subscribe(t),
    )
    add(
        "Broker::__unsubscribe",
        "function(topic_prefix: string): bool",
        lambda t: sub.ep().unsubscribe(t),
    )
    add("Broker::__publish_id", "function(topic: string, id: string): bool", sub.publish_id)
    add(
        "Broker::publish",
        "function(topic: string): bool",
        lambda topic, *vals: sub.publish(topic, vals),
        varargs=True,
    )
    add(
        "Broker::make_event",
        "function(): Broker::Event",
        lambda *vals: sub.make_event(vals),
        varargs=True,
    )
    add("is_remote_event", "function(): bool", lambda: sub.remote)

    add("Broker::__peering_stats", "function(): BrokerPeeringStatsTable", sub.peering_stats)

    def flush_logs() -> int:
        sub.flush_logs()
        return 0

    add("Broker::__flush_logs", "function(): count", flush_logs)


def install(host) -> BrokerSubsystem:
    return BrokerSubsystem(host)
