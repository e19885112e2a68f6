"""The cluster subsystem: wiring a host into a cluster.

:func:`install` is called by the host for every process and registers the
cluster's built-in functions (:mod:`.bifs`).  What a process does with them
is decided in script, as in Zeek: loading
``policy/frameworks/cluster/backend/zeromq`` selects the ZeroMQ backend,
whose ``zeek_init`` handler starts the central proxy (on the manager) and
calls ``Cluster::init()``, which lands in :meth:`ClusterSubsystem.init_backend`.

For a cluster node (``zscript run worker-1 ...``, host option ``layout``)
:meth:`ClusterSubsystem.load_scripts` loads, before any user script:

1. ``redef Cluster::node = "worker-1"``;
2. the cluster framework, which loads the layout as the generated script
   ``cluster-layout`` (the ``Cluster::nodes`` redef zeekctl would write);
3. the ZeroMQ backend scripts and the layout's transport settings
   (endpoints, serializer).

Once started, the backend is an I/O source of the event loop: the node runs
until ``terminate()``, SIGTERM or SIGINT.  Events received are decoded with
the *receiver's* declaration of the event and queued (up to
``onloop_queue_hwm``, then dropped and counted); other processes'
subscriptions become the script events
``Cluster::Backend::ZeroMQ::subscription``/``unsubscription``, from which the
framework derives ``Cluster::node_up``/``node_down``.  Run by the supervisor
(``ZSCRIPT_CLUSTER_RUN_DIR`` set), the node writes ``<node>.status.json``
there every second.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable

from .access import LOCAL_EVENTS
from .backend import ClusterBackend
from .bifs import register_bifs
from .layout import Layout, LayoutError, load_layout
from .scriptgen import string_literal

__all__ = ["ClusterSubsystem", "install"]

STATUS_INTERVAL = 1.0
_ZMQ = "Cluster::Backend::ZeroMQ::"
_SERIALIZERS = {
    "Cluster::EVENT_SERIALIZER_BROKER_BIN_V1": "broker-bin-v1",
    "Cluster::EVENT_SERIALIZER_BROKER_JSON_V1": "broker-json-v1",
}


class ClusterSubsystem:
    def __init__(self, host):
        self.host = host
        self.node = host.node if host.node != "standalone" else ""
        self.layout: Layout | None = None
        self.backend: ClusterBackend | None = None
        self.proxy = None
        self.serializer = None
        self.fmt = b""
        self.node_id = ""
        self.started = time.time()
        self.run_dir = os.environ.get("ZSCRIPT_CLUSTER_RUN_DIR") or None
        #: Subscriptions made before the backend started (sent when it does).
        self.pending_subscriptions: set[str] = set()
        #: Received events waiting in the event queue before new ones are dropped.
        self.onloop_hwm = 10000
        self._handlers: dict[str, object] = {}
        self._event_types: dict[str, object] = {}
        #: The serializer's error class once the backend started (``()`` catches nothing).
        self.serialization_error: type | tuple = ()
        #: Messages in formats other than events, by format frame:
        #: ``fn(topic, payload)`` (replicated stores, :mod:`.storetransport`).
        self.format_handlers: dict[bytes, Callable[[bytes, bytes], None]] = {}
        #: Told ``(topic, subscribed)`` about other processes' (un)subscriptions.
        self.topic_listeners: list[Callable[[str, bool], None]] = []
        #: Called once the backend is connected (:meth:`init_backend`).
        self.on_backend_up: list[Callable[[], None]] = []
        register_bifs(host, self)

    @property
    def enabled(self) -> bool:
        return self.node != ""

    # ----------------------------------------------------------- loading

    def load_scripts(self) -> None:
        """For a cluster node: load the layout and the cluster scripts (see the module docstring)."""
        if not self.enabled:
            return
        host = self.host
        try:
            self.layout = load_layout(host.options.get("layout"))
        except LayoutError as e:
            host.fail(str(e))
            return
        if self.node not in self.layout.nodes:
            names = ", ".join(self.layout.nodes)
            host.fail(f"'{self.node}' is not a node of the cluster layout (its nodes: {names})")
            return
        self._load_cluster_scripts(self.node)

    def _load_cluster_scripts(self, node: str) -> None:
        from ..diagnostics import SourceFile

        host = self.host
        host.provide_script("cluster-layout", self.layout.layout_script())
        text = "@load base/frameworks/cluster\n@load policy/frameworks/cluster/backend/zeromq\n"
        if node:
            text = f"redef Cluster::node = {string_literal(node)};\n" + text
        host.load_source(SourceFile("<cluster-node>", text))
        host.load_source(SourceFile("<cluster-config>", self.layout.config_script()))

    def join(self, node: str, layout_path: str | None) -> None:
        """Join a running cluster after the host was created (``zscript repl --node``).

        A node of the layout becomes that node (its scripts, subscriptions and
        handshake, as with ``zscript run NODE``); any other name joins as a
        client outside the layout: connected to the central proxy, able to
        publish and subscribe, but not a member (``Cluster::node`` stays "",
        no ``node_up`` elsewhere), like Zeek's standalone pub/sub processes.

        :raises LayoutError: the layout cannot be used (the message says why).
        """
        self.layout = load_layout(layout_path)
        self.host.options["layout"] = layout_path
        if node in self.layout.nodes:
            self.node = self.host.node = node
            self._load_cluster_scripts(node)
        else:
            self._load_cluster_scripts("")

    # ------------------------------------------------------------ running

    def _option(self, name: str, default):
        v = self.host.global_value(_ZMQ + name, default)
        return default if v is None else v

    def spawn_proxy(self) -> bool:
        """``Cluster::Backend::ZeroMQ::spawn_zmq_proxy_thread()``."""
        from .zeromq import CentralProxy

        if self.proxy is not None:
            return True
        try:
            self.proxy = CentralProxy(
                self._option("listen_xsub_endpoint", "tcp://127.0.0.1:5556"),
                self._option("listen_xpub_endpoint", "tcp://127.0.0.1:5555"),
                io_threads=int(self._option("proxy_io_threads", 2)),
                nodrop=bool(self._option("listen_xpub_nodrop", True)),
                linger_ms=int(self._option("linger_ms", 500)),
                ipv6=bool(self._option("ipv6", False)),
            )
        except OSError as e:
            self.host.reporter.error(f"ZeroMQ: {e}")
            return False
        self.host.loop.on_exit.append(self._stop_proxy)
        return True

    def init_backend(self, node_id: str) -> bool:
        """``Cluster::Backend::__init(node_id)``: connect this process."""
        if self.backend is not None:
            return True
        host = self.host
        if str(host.global_value("Cluster::backend", "")) != "Cluster::CLUSTER_BACKEND_ZEROMQ":
            host.reporter.error("Cluster::init: no cluster backend selected")
            return False
        from .serializers import SerializationError, UnknownEventError, get_serializer
        from .zeromq import ZeroMQBackend, ZeroMQOptions

        fmt = _SERIALIZERS.get(
            str(host.global_value("Cluster::event_serializer", "")), "broker-bin-v1"
        )
        self.serializer = get_serializer(
            fmt, resolve_enum=host.enum_value, resolve_function=self._resolve_function
        )
        self.fmt = fmt.encode()
        self.node_id = node_id
        self.onloop_hwm = int(self._option("onloop_queue_hwm", 10000))
        opts = ZeroMQOptions(
            connect_xpub_endpoint=self._option("connect_xpub_endpoint", "tcp://127.0.0.1:5556"),
            connect_xsub_endpoint=self._option("connect_xsub_endpoint", "tcp://127.0.0.1:5555"),
            linger_ms=int(self._option("linger_ms", 500)),
            xpub_sndhwm=int(self._option("xpub_sndhwm", 1000)),
            xpub_sndbuf=int(self._option("xpub_sndbuf", -1)),
            xsub_rcvhwm=int(self._option("xsub_rcvhwm", 1000)),
            xsub_rcvbuf=int(self._option("xsub_rcvbuf", -1)),
            connect_xpub_nodrop=bool(self._option("connect_xpub_nodrop", True)),
            ipv6=bool(self._option("ipv6", False)),
        )
        backend = ZeroMQBackend(node_id, host.reporter.warning, opts)
        backend.subscriptions |= self.pending_subscriptions
        self.pending_subscriptions.clear()
        backend.deliver = self._deliver
        # Bound once for _deliver, the per-event path.
        self.serialization_error = SerializationError
        self._unknown_event_error = UnknownEventError
        self._deserialize = self.serializer.deserialize_event
        self._lookup_fn = self._lookup
        self._stats = backend.stats
        self._queue = host.loop.queue.queue
        self._post = host.loop.post
        backend.topic_seen = self._topic_seen
        try:
            backend.init()
        except OSError as e:
            host.reporter.error(f"ZeroMQ: {e}")
            return False
        self.backend = backend
        loop = host.loop
        loop.sources += 1
        loop.add_io(backend.start_io)
        loop.on_exit.append(self.stop)
        if self.run_dir:
            self._write_status()
        for fn in self.on_backend_up:
            fn()
        return True

    def stop(self) -> None:
        if self.backend is not None:
            self.backend.terminate()
            self.host.loop.sources -= 1
        if self.run_dir:
            self._write_status(up=False)
        self.backend = None

    def _stop_proxy(self) -> None:
        if self.proxy is not None:
            self.proxy.stop()
            self.proxy = None

    def _resolve_function(self, name: str):
        gid = self.host.checker.globals.get(name)
        return self.host.ns.get(gid.py_name) if gid is not None else None

    # ------------------------------------------------------------- traffic

    def _deliver(self, topic: bytes, fmt: bytes, payload: bytes) -> None:
        # Runs once per received event (bench/cluster_bench.py): kept flat.
        if fmt != self.fmt:
            self._other_format(topic, fmt, payload)
            return
        try:
            name, args = self._deserialize(payload, self._lookup_fn)
        except self.serialization_error as e:
            be = self.backend
            if isinstance(e, self._unknown_event_error):
                be.stats.unknown_events += 1
            else:
                be.stats.malformed += 1
            be.warn_once("decode:" + str(e)[:60], f"cluster: dropped an event: {e}")
            return
        self._stats.events_in += 1
        h = self._handlers.get(name)
        if h is None:
            h = self._handlers[name] = self._handler(name)
        if not h.handlers:
            if h is _REFUSED:
                self._refuse_local(name)
            return
        hwm = self.onloop_hwm
        if hwm and len(self._queue) >= hwm:
            be = self.backend
            be.stats.recv_drops += 1
            be.warn_once(
                "recv-drop", "cluster: event queue full (onloop_queue_hwm reached); dropping events"
            )
            return
        self._post(h, args if type(args) is tuple else tuple(args))

    def _handler(self, name: str):
        """The handler received events of ``name`` go to (:data:`_REFUSED` for local ones)."""
        if name in LOCAL_EVENTS:
            return _REFUSED
        return self.host.loop.handler(name, self._lookup(name))

    def _refuse_local(self, name: str) -> None:
        be = self.backend
        be.stats.local_events += 1
        be.warn_once(
            "local:" + name,
            f"cluster: dropped '{name}' from the network (only this node raises it)",
        )

    def _other_format(self, topic: bytes, fmt: bytes, payload: bytes) -> None:
        h = self.format_handlers.get(fmt)
        if h is not None:
            h(topic, payload)
        else:
            self._wrong_format(fmt)

    def _wrong_format(self, fmt: bytes) -> None:
        be = self.backend
        be.stats.format_mismatches += 1
        theirs = fmt.decode("ascii", "replace")
        be.warn_once(
            "format:" + theirs,
            f"cluster: dropped events in format '{theirs}' (this node uses "
            f"'{self.fmt.decode()}'; every node of a cluster must use the same serializer)",
        )

    def _lookup(self, name: str):
        t = self._event_types.get(name)
        if t is None:
            gid = self.host.checker.globals.get(name)
            if gid is None or getattr(gid.type, "flavor", None) != "event":
                return None
            t = self._event_types[name] = gid.type
        return t

    def _topic_seen(self, topic: str, subscribed: bool) -> None:
        for fn in self.topic_listeners:
            fn(topic, subscribed)
        name = _ZMQ + ("subscription" if subscribed else "unsubscription")
        h = self.host.loop.registry.lookup(name)
        if h is not None and h.handlers:
            self.host.loop.post(h, (topic,))

    # -------------------------------------------------------------- status

    def status(self) -> dict:
        st = self.backend.stats.as_dict() if self.backend is not None else {}
        logs = self.host.subsystems.get("cluster-logs")  # remote logging (logtransport)
        if logs is not None:
            st.update(logs.stats())
        ws = self.host.subsystems.get("websocket")  # WebSocket API (websocket.subsystem)
        if ws is not None and ws.servers:
            st["websocket"] = ws.stats.as_dict()
        stores = self.host.subsystems.get("cluster-stores")  # &backend tables (storetransport)
        if stores is not None:
            st.update(stores.stats())
        spec = self.layout.nodes.get(self.node) if self.layout else None
        nodes = self.host.global_value("Cluster::nodes", {}) or {}
        peers = sorted(
            n for n, rec in nodes.items() if n != self.node and getattr(rec, "f_id", None)
        )
        return {
            "node": self.node,
            "type": spec.type if spec else "",
            "pid": os.getpid(),
            "id": self.node_id,
            "started": self.started,
            "updated": time.time(),
            "up": self.backend is not None,
            "peers_up": peers,
            "messages_suppressed": self.host.reporter.suppressed,
            **st,
        }

    def _write_status(self, up: bool = True) -> None:
        data = self.status()
        data["up"] = up and data["up"]
        path = os.path.join(self.run_dir, f"{self.node or 'standalone'}.status.json")
        tmp = path + ".tmp"
        try:
            with open(tmp, "w", encoding="utf-8") as f:
                json.dump(data, f)
            os.replace(tmp, path)
        except OSError:
            return
        loop = self.host.loop
        if up and not loop.terminating:
            loop.timers.add(loop.clock.now() + STATUS_INTERVAL, self._write_status)


class _Refused:
    """The handler of events only the node itself raises (see :mod:`.access`)."""

    handlers = ()


_REFUSED = _Refused()


def install(host) -> ClusterSubsystem:
    return ClusterSubsystem(host)
