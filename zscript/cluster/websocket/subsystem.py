"""The WebSocket subsystem: ``Cluster::listen_websocket`` and the hosting node's side.

:func:`install` registers the built-in ``Cluster::__listen_websocket``
(called by the script function ``Cluster::listen_websocket`` in
``base/frameworks/cluster/websocket``).  :meth:`WebSocketSubsystem.listen`
checks the options record the way Zeek does ("Invalid tls_options: No
key_file field", "Already listening on ADDR:PORT" for other options on the
same address and port; the same options again are fine), binds the socket
and keeps the process alive (a counting I/O source) until it terminates.

It is also the clients' link to the hosting node's cluster subsystem
(``host.subsystems["cluster"]``, which it uses through its public
attributes and its event lookup):

* :meth:`make_backend` gives a client its own ``ZeroMQBackend`` with the
  hosting node's socket settings (a :class:`NoneBackend` when
  ``Cluster::backend`` is ``CLUSTER_BACKEND_NONE``, as Zeek's ``None``);
* :meth:`decode` turns a client's data message into an event *as the
  hosting node declares it* (an event it does not declare, or arguments of
  other types, are "failed to create Zeek event");
* :meth:`publish` writes it in the cluster's wire format;
* :meth:`ingest` does both in one step for the common message (:mod:`.ingest`);
* :meth:`render` turns an event a client's backend received into the v1
  JSON data message.  That also needs the hosting node's declaration
  (Broker's data model writes records, vectors and patterns alike as
  vectors): an event the hosting node does not declare is not forwarded,
  and reported once ("Failed to lookup handler for 'X'"), as in Zeek.  The
  last rendered message is reused when the same event reaches several
  clients.

``Cluster::websocket_client_added``/``lost`` are queued from here; the
counters of everything received, answered, dropped or refused are in
:attr:`stats` (:class:`WebSocketStats`), which a cluster node writes to its
status file (key ``websocket``) while it listens; the event metrics of
``Cluster::Telemetry::websocket_metrics`` (by the client's ``app`` label,
:mod:`..telemetry`) are in :attr:`telemetry`.  Why a client's event could
not be created is reported once per reason (Zeek reports every time), at
most :data:`MAX_REPORTS` reasons per process.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...runtime.addresses import Port
from ...runtime.bifs import ZEEK_LANGUAGE_VERSION
from ...runtime.containers import Vector
from ...runtime.values import record_class
from ..telemetry import EventTelemetry
from .options import OptionsError, options_from_record

if TYPE_CHECKING:
    from .server import WebSocketServer

__all__ = ["WebSocketStats", "WebSocketSubsystem", "install"]

_BROKER = "Cluster::CLUSTER_BACKEND_BROKER"
_ZMQ = "Cluster::Backend::ZeroMQ::"
#: Distinct reasons for bad client events reported (on stderr) per process.
MAX_REPORTS = 200


class WebSocketStats:
    """Counters of the WebSocket servers of one process.

    ``messages_in``: messages read (subscriptions included);
    ``errors_sent``: error replies (each malformed message or bad request);
    ``bad_input_closes``: connections closed over what the client sent (bad
    URI, application name or subscriptions: 1008; protocol errors 1002/1003,
    text that is not UTF-8 1007, messages over ``max_message_size`` 1009);
    ``refused``: handshakes refused (401/403 without the token, 503 when full);
    ``refused_messages``: subscriptions and events refused by the client's
    access (``not_allowed``: another token's topics or events, a node's own
    events) or a limit (``limit_exceeded``); ``subscribe_timeouts``: clients
    closed for not sending their subscriptions in time;
    ``slow_clients``: clients cut off for not reading (1013);
    ``ping_timeouts``: clients that stopped answering pings (1011);
    ``events_published`` / ``publish_drops``: client events sent to the
    cluster, or dropped by the backend; ``events_out``: data messages sent to
    clients; ``undeliverable`` / ``format_mismatches``: cluster events that
    could not be rendered for them; ``clients_added`` / ``clients_lost``.
    """

    __slots__ = (
        "bad_input_closes",
        "clients_added",
        "clients_lost",
        "errors_sent",
        "events_out",
        "events_published",
        "format_mismatches",
        "messages_in",
        "ping_timeouts",
        "publish_drops",
        "refused",
        "refused_messages",
        "slow_clients",
        "subscribe_timeouts",
        "undeliverable",
    )

    def __init__(self):
        for k in self.__slots__:
            setattr(self, k, 0)

    def as_dict(self) -> dict[str, int]:
        return {k: getattr(self, k) for k in self.__slots__}


class WebSocketSubsystem:
    """See the module docstring."""

    def __init__(self, host):
        self.host = host
        #: :meth:`decode`'s function, made on first use.
        self._decode = None
        #: :meth:`ingest`'s function, made on first use.
        self._ingest = None
        self.servers: dict[tuple[str, int], WebSocketServer] = {}
        self.stats = WebSocketStats()
        #: The version the ack names: the Zeek version zscript implements.
        self.version = ZEEK_LANGUAGE_VERSION
        self._clients = 0
        self._warned: set[str] = set()
        self._reported: set[str] = set()
        self._last: tuple = (None, None, None, None)
        self._resolve_enum = host.enum_value
        self.telemetry = EventTelemetry("websocket", ("app",))
        host.on_start.append(self._configure_telemetry)
        host.add_bif(
            "Cluster::__listen_websocket",
            "function(options: Cluster::WebSocketServerOptions): bool",
            self.listen,
        )

    @property
    def cluster(self):
        return self.host.subsystems["cluster"]

    def _configure_telemetry(self) -> None:
        g = self.host.global_value
        self.telemetry.configure(
            g("Cluster::Telemetry::websocket_metrics", None),
            g("Cluster::Telemetry::topic_normalizations", None),
            g("Cluster::Telemetry::message_size_bounds", None),
        )

    # ------------------------------------------------------------ script API

    def listen(self, rec) -> bool:
        """``Cluster::__listen_websocket(options)``."""
        reporter = self.host.reporter
        # Usage errors are Zeek's builtin errors: at the call, which is shown.
        try:
            opts = options_from_record(rec)
        except OptionsError as e:
            self.host.builtin_error(str(e))
            return False
        key = (opts.listen_addr, opts.listen_port)
        old = self.servers.get(key)
        if old is not None:
            if old.options == opts:
                return True
            self.host.builtin_error(f"Already listening on {opts.where()}")
            return False
        # As Zeek, the server listens whatever Cluster::backend is: a client
        # that connects gets a backend of that kind (make_backend), or an
        # error when there is none.
        from .server import WebSocketServer  # the WebSocket library loads on first use

        server = WebSocketServer(opts, self)
        try:
            server.listen()
        except (OSError, ValueError) as e:  # ssl.SSLError is an OSError
            reporter.error(f"WebSocket: Unable to listen on {opts.where()}: {e}")
            return False
        if not self.servers:
            self.host.loop.on_exit.append(self.terminate)
        self._broker_backend()
        self.servers[key] = server
        self.host.loop.sources += 1
        self.host.loop.add_io(server.start)
        return True

    def terminate(self) -> None:
        """Stop every server and close its clients (at the end of shutdown)."""
        for server in self.servers.values():
            server.terminate()
            self.host.loop.sources -= 1
        self.servers.clear()

    # ------------------------------------------------------------ for clients

    def next_client_number(self) -> int:
        n = self._clients
        self._clients += 1
        return n

    def node_id(self) -> str:
        return self.cluster.node_id

    def internal_topic_prefix(self) -> str:
        return str(self.host.global_value(_ZMQ + "internal_topic_prefix", "zeek.zeromq.internal."))

    def _broker_backend(self) -> None:
        """With Broker selected, start this process's backend if no
        ``Cluster::init()`` did: Zeek's Broker manager is up in every process,
        a standalone one too, and its endpoint serves the clients."""
        cl = self.cluster
        if cl.backend is None and str(self.host.global_value("Cluster::backend", "")) == _BROKER:
            node_id = self.host.global_value("Cluster::node_id", None)
            cl.init_backend(str(node_id()) if callable(node_id) else "")

    def make_backend(self, client):
        """A connected, running backend for ``client`` (raises if that is impossible)."""
        from ..zeromq import ZeroMQBackend, ZeroMQOptions

        cl = self.cluster
        backend_kind = str(self.host.global_value("Cluster::backend", ""))
        if backend_kind == "Cluster::CLUSTER_BACKEND_NONE":
            return NoneBackend(client.topic_seen)
        self._broker_backend()
        if cl.backend is None or cl.serializer is None:
            raise RuntimeError("this node's cluster backend is not running")
        reporter = self.host.reporter

        def warn(msg: str) -> None:
            reporter.warning(f"WebSocket client '{client.endpoint_id}': {msg}")

        make = getattr(cl.backend, "make_client_backend", None)
        if make is not None:
            # The node's backend serves its clients itself (Broker's hubs).
            backend = make(client.endpoint_id, warn)
        else:
            backend = ZeroMQBackend(
                client.endpoint_id, warn, ZeroMQOptions(**vars(cl.backend.opts))
            )
        backend.deliver = client.deliver
        backend.topic_seen = client.topic_seen
        backend.init()
        import asyncio  # here: a process without WebSocket servers never needs it

        backend.start_io(asyncio.get_running_loop())
        return backend

    def decode(self, frame):
        """A client's data message as a :class:`~.protocol.DataMessage` of this node's
        event (raises :class:`~.protocol.ProtocolError`)."""
        decode = self._decode or self._make_decode()
        return decode(frame)

    def _make_decode(self):
        """:meth:`decode`'s work, its modules imported once (not per message,
        and not at start-up: a process without clients never needs them)."""
        from ..serializers.json_v1 import from_broker_json
        from .protocol import decode_data_message

        lookup = self.cluster._lookup
        resolve_enum, resolve_function = self._resolve_enum, self._resolve_function

        def decode_arg(obj, t):
            return from_broker_json(
                obj, t, resolve_enum=resolve_enum, resolve_function=resolve_function
            )

        convert = self.cluster.serializer.convert_metadata

        def decode_meta(entries):
            return convert(entries, decode_arg)

        def decode(frame):
            return decode_data_message(frame, lookup, decode_arg, decode_meta)

        self._decode = decode
        return decode

    def _resolve_function(self, name: str):
        """The function a client names (as Zeek: a global whose value is a function)."""
        resolve = getattr(self.cluster, "_resolve_function", None)
        fn = resolve(name) if resolve is not None else None
        return fn if isinstance(getattr(fn, "_zname", None), str) else None

    def ingest(self, client, frame) -> bool:
        """Decode, check and publish a client's data message in one step, if
        it is of the common kind (:mod:`.ingest`); False: it is not (nothing
        was published), use :meth:`decode` and :meth:`publish`."""
        ingest = self._ingest
        if ingest is None:
            from ..serializers.json_v1 import broker_json_decoder
            from .ingest import make_ingest

            resolve_enum, resolve_function = self._resolve_enum, self._resolve_function

            def decoder(t):
                return broker_json_decoder(
                    t, resolve_enum=resolve_enum, resolve_function=resolve_function
                )

            cl = self.cluster
            ingest = self._ingest = make_ingest(
                cl._lookup, decoder, cl.serializer, self._publish_payload
            )
        return ingest(client, frame)

    def _publish_payload(self, client, topic: str, name: str, payload: bytes) -> None:
        """The end of :meth:`ingest`: publish, count, or count the drop."""
        backend = client.backend
        if isinstance(backend, NoneBackend):
            self.stats.events_published += 1
        elif not self._send(backend, topic, name, payload, client.app):
            self.stats.publish_drops += 1

    def publish(self, backend, msg, app: tuple = ()) -> bool:
        """Publish a client's event through its backend; False if it was
        dropped.  ``app``: the client's telemetry label values."""
        if isinstance(backend, NoneBackend):
            self.stats.events_published += 1
            return True
        payload = self.cluster.serializer.serialize_event(msg.name, msg.args, msg.types, msg.meta)
        return self._send(backend, msg.topic, msg.name, payload, app)

    def _send(self, backend, topic: str, name: str, payload: bytes, app: tuple) -> bool:
        """Publish an encoded event and count it; False if it was dropped."""
        if not backend.publish(topic, self.cluster.fmt, payload):
            return False
        self.stats.events_published += 1
        if self.telemetry.enabled:
            self.telemetry.count("out", name, topic, len(payload), app)
        return True

    def render(self, topic: bytes, fmt: bytes, payload: bytes) -> tuple | None:
        """``((data message, is text), event name)`` for an event a client's
        backend received, or None (dropped)."""
        last = self._last
        if last[0] == payload and last[1] == topic and last[2] == fmt:
            return last[3]
        from ..serializers import SerializationError
        from ..serializers.json_v1 import metadata_to_json, to_broker_json
        from .protocol import encode_data_message, json_text

        cl = self.cluster
        if fmt != cl.fmt:
            self.stats.format_mismatches += 1
            theirs = fmt.decode("ascii", "replace")
            self._warn_once(
                "format:" + theirs, f"WebSocket: dropped events in format '{theirs}' (not ours)"
            )
            return None
        try:
            ser = cl.serializer
            name, args, meta = ser.deserialize_event_meta(payload, cl._lookup)
            types = [p.type for p in cl._lookup(name).params]
            meta_json = metadata_to_json(meta, ser.metadata_type, to_broker_json) if meta else None
            out = (
                encode_data_message(json_text(topic), name, args, types, to_broker_json, meta_json),
                name,
            )
        except SerializationError as e:
            self.stats.undeliverable += 1
            self._warn_once(str(e)[:120], f"WebSocket: cannot forward an event to clients: {e}")
            return None
        except Exception as e:  # noqa: BLE001 - e.g. NaN, which JSON cannot carry
            self.stats.undeliverable += 1
            self._warn_once(type(e).__name__, f"WebSocket: cannot forward an event to clients: {e}")
            return None
        self._last = (payload, topic, fmt, out)
        return out

    def _warn_once(self, key: str, message: str) -> None:
        if key not in self._warned and len(self._warned) < 1000:
            self._warned.add(key)
            self.host.reporter.warning(message)

    def client_error(self, detail: str) -> None:
        """Report why a client's event could not be created (Zeek's words,
        which do not name the client), once per reason and at most
        :data:`MAX_REPORTS` reasons per process."""
        seen = self._reported
        if detail in seen or len(seen) > MAX_REPORTS:
            return
        seen.add(detail)
        if len(seen) > MAX_REPORTS:
            self.host.reporter.error(
                f"WebSocket: more than {MAX_REPORTS} kinds of bad events from clients; "
                "not reporting further ones"
            )
            return
        self.host.reporter.error(detail)

    def internal_error(self, message: str) -> None:
        self._warn_once("internal:" + message[:120], f"WebSocket: internal error: {message}")

    # ------------------------------------------------------------ events

    def _endpoint(self, client):
        host = self.host
        net = record_class(host.script_type("Cluster::NetworkInfo"))._zmake(
            {"f_address": client.address, "f_bound_port": Port(client.port, "tcp")}
        )
        given = {"f_id": client.endpoint_id, "f_network": net}
        if client.application_name is not None:
            given["f_application_name"] = client.application_name
        return record_class(host.script_type("Cluster::EndpointInfo"))._zmake(given)

    def _post(self, name: str, args: tuple) -> None:
        loop = self.host.loop
        if loop.terminating:
            return
        h = loop.registry.lookup(name)
        if h is not None:
            loop.post(h, args)

    def client_added(self, client) -> None:
        self.stats.clients_added += 1
        subs = Vector(self.host.script_type("string_vec"), client.subscriptions)
        self._post("Cluster::websocket_client_added", (self._endpoint(client), subs))

    def client_lost(self, client, code: int, reason: str) -> None:
        self.stats.clients_lost += 1
        why = reason.encode("utf-8", "surrogateescape").decode("latin-1")
        self._post("Cluster::websocket_client_lost", (self._endpoint(client), code, why))


def install(host) -> WebSocketSubsystem:
    return WebSocketSubsystem(host)


class NoneBackend:
    """A client's backend on a node whose ``Cluster::backend`` is
    ``CLUSTER_BACKEND_NONE`` (Zeek's ``None`` backend plugin,
    src/cluster/backend/none): subscriptions take effect at once, published
    events go nowhere and nothing arrives.  The client is served (its ack,
    pings, limits) without a cluster behind it."""

    def __init__(self, topic_seen):
        self._topic_seen = topic_seen

    def subscribe(self, prefix: str) -> None:
        self._topic_seen(prefix, True)

    def unsubscribe(self, prefix: str) -> None:
        pass

    def publish(self, topic: str, fmt: bytes, payload: bytes) -> bool:
        return True

    def terminate(self) -> None:
        pass
