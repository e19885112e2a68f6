"""The cluster subsystem: wiring a host into a cluster.

:func:`install` is called by the host for every process and registers the
cluster's built-in functions (:mod:`.bifs`).  What a process does with them
is decided in script, as in Zeek: loading
``policy/frameworks/cluster/backend/zeromq`` selects the ZeroMQ backend,
whose ``zeek_init`` handler starts the central proxy (on the manager) and
calls ``Cluster::init()``, which lands in :meth:`ClusterSubsystem.init_backend`.

For a cluster node (``zscript run worker-1 ...``, host option ``layout``)
the subsystem loads, before any user script (:mod:`zscript.loader.prelude`
says when):

1. before the frameworks (:meth:`ClusterSubsystem.before_frameworks`):
   ``redef Cluster::node = "worker-1"`` and the layout as the generated
   script ``cluster-layout`` (the ``Cluster::nodes`` redef zeekctl would
   write), which the cluster framework loads;
2. after them (:meth:`ClusterSubsystem.load_scripts`): the ZeroMQ backend
   scripts and the layout's transport settings (endpoints, serializer).

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

import os
import time
from collections.abc import Callable

from ..runtime.errors import ZeekExit
from .access import LOCAL_EVENTS
from .backend import ClusterBackend
from .bifs import register_bifs
from .curve import ENV_PREFIX, CurveError, CurveKeys, environment_keys, load_curve_keys
from .layout import Layout, LayoutError, load_layout
from .publish_on_change import PublishOnChange
from .scriptgen import string_literal
from .telemetry import EventTelemetry

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
        self.onloop_hwm = 0
        self._handlers: dict[str, object] = {}
        self._event_types: dict[str, object] = {}
        #: The serializer's error class once the backend started (``()`` catches nothing).
        self.serialization_error: type | tuple = ()
        #: Messages in formats other than events, by format frame:
        #: ``fn(topic, payload)`` (replicated stores, :mod:`.storetransport`).
        self.format_handlers: dict[bytes, Callable[[bytes, bytes], None]] = {}
        #: Told ``(topic, subscribed)`` about other processes' (un)subscriptions.
        self.topic_listeners: list[Callable[[str, bool], None]] = []
        #: Other cluster backends by ``Cluster::backend`` enumerator name:
        #: ``fn(node_id) -> ClusterBackend`` (the composition root adds Broker's).
        self.backend_factories: dict[str, Callable[[str], ClusterBackend]] = {
            "Cluster::CLUSTER_BACKEND_NATS": self._nats_backend,
        }
        #: Called once the backend is connected (:meth:`init_backend`).
        self.on_backend_up: list[Callable[[], None]] = []
        #: CURVE keys of the ZeroMQ transport (read when the process starts).
        self.curve = CurveKeys()
        #: The &publish_on_change tables (:mod:`.publish_on_change`).
        self.publish_on_change = PublishOnChange(host, self)
        #: Events by handler and topic, and their sizes (Cluster::Telemetry
        #: VERBOSE and DEBUG; :mod:`.telemetry`).
        self.telemetry = EventTelemetry("core")
        self._verbose: EventTelemetry | None = None  # the same, while something is on
        register_bifs(host, self)
        host.on_start.append(self._load_curve_keys)
        host.on_start.append(self._start_publish_on_change)
        host.on_start.append(self._configure_telemetry)

    @property
    def enabled(self) -> bool:
        return self.node != ""

    # ----------------------------------------------------------- loading

    def before_frameworks(self) -> None:
        """For a cluster node: its name and layout, before the cluster framework loads."""
        if not self.enabled:
            return
        host = self.host
        explicit = host.options.get("layout")
        if host.options.get("supervised_cluster"):
            # Started by a supervisor with a cluster table: the cluster
            # framework fills Cluster::nodes from it (.supervised).
            self.layout = None
            self._declare_node(self.node)
            return
        if explicit is None and host.find_script("cluster-layout") is not None:
            # Zeek's way: the framework loads the script found on the path.
            self.layout = None
            self._declare_node(self.node)
            return
        try:
            self.layout = load_layout(explicit)
        except LayoutError as e:
            host.fail(str(e))
            self.node = ""
            return
        if self.node not in self.layout.nodes:
            names = ", ".join(self.layout.nodes)
            host.fail(f"'{self.node}' is not a node of the cluster layout (its nodes: {names})")
            self.node = ""
            return
        if (
            self.layout.encryption
            and self.layout.curve is None
            and not (environment_keys().client_enabled)
        ):
            where = self.layout.path or "the layout"
            host.fail(
                f"{where}: encryption is on but there are no CURVE keys: add the lines "
                f"`zscript cluster keys` prints to [cluster], or set the {ENV_PREFIX}* "
                "variables (`zscript cluster keys --env`)"
            )
            self.node = ""
            return
        host.provide_script("cluster-layout", self.layout.layout_script())
        self._declare_node(self.node)

    def load_scripts(self) -> None:
        """For a node of zscript's own layout (a TOML file or the default):
        the ZeroMQ backend and the layout's settings, as zeekctl's generated
        scripts select them.  With a ``cluster-layout`` script of the user's,
        the user's scripts choose, as in Zeek."""
        if self.enabled and self.layout is not None:
            self._load_cluster_scripts()

    def _load_cluster_scripts(self) -> None:
        from ..diagnostics import SourceFile

        host = self.host
        backend = self.layout.backend  # "zeromq" or "nats"
        text = f"@load base/frameworks/cluster\n@load policy/frameworks/cluster/backend/{backend}\n"
        host.load_source(SourceFile("<cluster-backend>", text))
        host.load_source(SourceFile("<cluster-config>", self.layout.config_script()))

    def _declare_node(self, node: str) -> None:
        from ..diagnostics import SourceFile

        text = (
            f"@load base/frameworks/cluster/types\nredef Cluster::node = {string_literal(node)};\n"
        )
        self.host.load_source(SourceFile("<cluster-node>", text))

    @property
    def node_type(self) -> str:
        """This node's type in ``Cluster::nodes`` (``"manager"``, ...; "" if none)."""
        nodes = self.host.global_value("Cluster::nodes", None) or {}
        rec = nodes.get(self.node) if self.node else None
        t = getattr(rec, "f_node_type", None)
        return getattr(t, "name", "").rpartition("::")[2].lower()

    def join(self, node: str, layout_path: str | None) -> None:
        """Join a running cluster as a client, after the host was created
        (``zscript repl --node`` with a name that is not in the layout).

        The client is connected to the central proxy, able to publish and
        subscribe, but not a member (``Cluster::node`` stays "", no
        ``node_up`` elsewhere), like Zeek's standalone pub/sub processes.  A
        node of the layout must be named when the host is created
        (``Host(node=...)``): the cluster framework, loaded with the host,
        sets itself up for that node.

        :raises LayoutError: the layout cannot be used (the message says why).
        """
        self.layout = load_layout(layout_path)
        self.host.options["layout"] = layout_path
        if node in self.layout.nodes:
            raise LayoutError(f"'{node}' is a node of the layout: run the host as that node")
        self.host.provide_script("cluster-layout", self.layout.layout_script())
        self._load_cluster_scripts()

    # ------------------------------------------------------------ running

    def _option(self, name: str, default):
        v = self.host.global_value(_ZMQ + name, default)
        return default if v is None else v

    def _load_curve_keys(self) -> None:
        """Read the CURVE keys once the scripts are loaded, as Zeek does when
        the ZeroMQ backend is selected; keys both in script and in the
        environment are a fatal error (:mod:`.curve`)."""
        if str(self.host.global_value("Cluster::backend", "")) != "Cluster::CLUSTER_BACKEND_ZEROMQ":
            return
        script = CurveKeys(
            **{
                k: str(self._option("curve_" + k, ""))
                for k in (
                    "server_publickey",
                    "server_secretkey",
                    "client_publickey",
                    "client_secretkey",
                )
            }
        )
        try:
            self.curve = load_curve_keys(script)
        except CurveError as e:
            self.host.fail(str(e), fatal=True)

    def _start_publish_on_change(self) -> None:
        """Evaluate the ``&publish_on_change`` attributes once the scripts are
        loaded; errors in them end the process before ``zeek_init``, as in Zeek."""
        if self.publish_on_change.instantiate():
            raise ZeekExit(1)

    def _configure_telemetry(self) -> None:
        g = self.host.global_value
        self.telemetry.configure(
            g("Cluster::Telemetry::core_metrics", None),
            g("Cluster::Telemetry::topic_normalizations", None),
            g("Cluster::Telemetry::message_size_bounds", None),
        )
        self._verbose = self.telemetry if self.telemetry.enabled else None

    def count_out(self, name: str, topic: str, size: int, where=None) -> None:
        """An event of ``size`` bytes was published (for the VERBOSE and DEBUG
        metrics); ``where`` returns the publishing script's span."""
        t = self._verbose
        if t is not None:
            t.count("out", name, topic, size, where=where and (lambda: t.script_location(where())))

    def socket_event(self, number: int, value: int, address: str) -> None:
        """A connection event of one of the node's ZeroMQ sockets
        (:mod:`.monitor`): ``Cluster::Backend::ZeroMQ::monitoring_event``."""
        h = self.host.loop.registry.lookup(_ZMQ + "monitoring_event")
        if h is not None and h.handlers:
            self.host.loop.post(h, (number, value, address))

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
                curve=self.curve,
            )
        except OSError as e:
            self.host.reporter.error(f"ZeroMQ: {e}")
            return False
        except CurveError as e:
            self.host.reporter.error(str(e))
            return False
        self.host.loop.on_exit.append(self._stop_proxy)
        return True

    def init_backend(self, node_id: str) -> bool:
        """``Cluster::Backend::__init(node_id)``: connect this process."""
        if self.backend is not None:
            return True
        host = self.host
        selected = str(host.global_value("Cluster::backend", ""))
        other = self.backend_factories.get(selected)
        if selected != "Cluster::CLUSTER_BACKEND_ZEROMQ" and other is None:
            host.reporter.error("Cluster::init: no cluster backend selected")
            return False
        from .zeromq import ZeroMQBackend, ZeroMQOptions

        fmt = _SERIALIZERS.get(
            str(host.global_value("Cluster::event_serializer", "")), "broker-bin-v1"
        )
        self.serializer = self.make_serializer(fmt)
        self.fmt = fmt.encode()
        self.node_id = node_id
        self.onloop_hwm = int(self._option("onloop_queue_hwm", 0))
        if other is not None:
            return self._start_backend(other(node_id), log_sockets=False)
        opts = ZeroMQOptions(
            connect_xpub_endpoint=self._option("connect_xpub_endpoint", "tcp://127.0.0.1:5556"),
            connect_xsub_endpoint=self._option("connect_xsub_endpoint", "tcp://127.0.0.1:5555"),
            linger_ms=int(self._option("linger_ms", 500)),
            xpub_sndhwm=int(self._option("xpub_sndhwm", 0)),
            xpub_block_timeout=float(self._option("xpub_block_timeout", 10.0)),
            xpub_sndbuf=int(self._option("xpub_sndbuf", -1)),
            xsub_rcvhwm=int(self._option("xsub_rcvhwm", 1000)),
            xsub_rcvbuf=int(self._option("xsub_rcvbuf", -1)),
            connect_xpub_nodrop=bool(self._option("connect_xpub_nodrop", True)),
            ipv6=bool(self._option("ipv6", False)),
            curve=self.curve,
        )
        backend = ZeroMQBackend(node_id, host.reporter.warning, opts)
        backend.socket_event = self.socket_event
        return self._start_backend(backend)

    def _nats_backend(self, node_id: str) -> ClusterBackend:
        from .nats import make_backend  # only NATS clusters import it

        return make_backend(self, node_id)

    def _start_backend(self, backend: ClusterBackend, *, log_sockets: bool = True) -> bool:
        """Connect ``backend`` and make it this node's (``log_sockets``: also
        start the ZeroMQ log transport, which the ZeroMQ backend owns)."""
        from .serializers import SerializationError, UnknownEventError

        host = self.host
        backend.subscriptions |= self.pending_subscriptions
        self.pending_subscriptions.clear()
        # Bound once for _deliver, the per-event path.
        self.serialization_error = SerializationError
        self._unknown_event_error = UnknownEventError
        self._deserialize = self.serializer.deserialize_event_meta
        self._lookup_fn = self._lookup
        self._stats = backend.stats
        self._queue = host.loop.queue.queue
        self._post = host.loop.post
        self._post_remote = host.loop.post_remote
        self._metadata = host.loop.metadata
        backend.deliver, backend.fast_path = self._receiver()
        backend.topic_seen = self._topic_seen
        try:
            backend.init()
        except OSError as e:
            host.reporter.error(f"{backend.name}: {e}")
            return False
        except CurveError as e:
            host.reporter.error(str(e))
            return False
        # The log sockets belong to the backend too (Zeek's DoInit binds the
        # PULL socket): a failure there fails Cluster::init().
        logs = host.subsystems.get("cluster-logs") if log_sockets else None
        if logs is not None and not logs.start():
            backend.terminate()
            return False
        self.backend = backend
        loop = host.loop
        loop.sources += 1
        loop.add_io(backend.start_io)
        loop.on_exit.append(self.stop)
        if self.run_dir:
            self._write_status()
        if self.node_type == "manager":
            self._serve_cluster_view()
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
            # This process's backends connected to it in memory go first
            # (the node's own, its WebSocket clients'): they share its context.
            from .zeromq import release_local

            if self.backend is not None and self.backend in self.proxy.local_users:
                self.stop()
            release_local(self.proxy)
            self.proxy.stop()
            self.proxy = None

    def make_serializer(self, fmt: str = "broker-bin-v1"):
        """A serializer of format ``fmt`` that resolves enums, functions and
        ``Broker::Data`` in this host (also used by :mod:`zscript.broker`)."""
        from .serializers import get_serializer

        return get_serializer(
            fmt,
            resolve_enum=self.host.enum_value,
            resolve_function=self._resolve_function,
            make_data=self._make_data(),
            resolve_type=self.host.script_type,
            metadata_type=self.host.loop.metadata.type_of,
        )

    def _make_data(self):
        """``Broker::Data`` records for values received in ``any`` slots, as
        Zeek makes them (:mod:`.serializers._data`)."""
        from .serializers._data import BrokerData

        rt = self.host.script_type("Broker::Data")
        if rt is None:
            return None
        from ..runtime.values import record_class

        make, resolve = record_class(rt)._zmake, self.host.enum_value
        return lambda node: make({"f_data": BrokerData(node, resolve)})

    def _resolve_function(self, name: str):
        gid = self.host.checker.globals.get(name)
        return self.host.ns.get(gid.py_name) if gid is not None else None

    # ------------------------------------------------------------- traffic

    def _receiver(self) -> tuple[Callable[[bytes, bytes, bytes], None], Callable]:
        """The backend's ``deliver(topic, format, payload)`` and ``fast_path()``.

        Their common case is an event in this node's format, of a kind
        received before, without metadata, while nothing per message is
        configured (telemetry by topic, network timestamps, a queue limit):
        the serializer's fast receiver decodes the arguments and appends
        them to the event queue.  A backend reading a batch calls it
        directly (``fast_path``: the settings are looked at once per batch,
        and no script runs while it reads), else ``deliver`` does
        (``bench/fanin_bench.py``).  Everything else takes :meth:`_deliver`,
        which does the same and also counts, drops and reports.
        """
        slow = self._deliver
        queue = self._queue
        receive = self.serializer.fast_receiver(self._route, queue.append)
        if receive is None:
            return slow, lambda: None
        ours, stats, hwm, metadata, loop = (
            self.fmt,
            self._stats,
            self.onloop_hwm,
            self._metadata,
            self.host.loop,
        )

        def deliver(topic: bytes, fmt: bytes, payload: bytes) -> None:
            if (
                fmt == ours
                and self._verbose is None
                and not metadata.add_network_timestamp
                and not (hwm and len(queue) >= hwm)
                and receive(payload)
            ):
                stats.events_in += 1
                if loop.waiter is not None:
                    loop.wake()
                return
            slow(topic, fmt, payload)

        def done(n: int) -> None:
            stats.events_in += n
            if loop.waiter is not None:
                loop.wake()

        batch = (ours, receive, done)

        def fast_path() -> tuple | None:
            if self._verbose is None and not metadata.add_network_timestamp and not hwm:
                return batch
            return None

        return deliver, fast_path

    def _route(self, name: str, ftype) -> object:
        """Where the fast receiver puts events ``name`` of declaration
        ``ftype``: their handler, if they have bodies and may come from the
        network (else None: the full path drops them and says why)."""
        if self._lookup(name) is not ftype:
            return None
        h = self._handlers.get(name)
        if h is None:
            h = self._handlers[name] = self._handler(name)
        return h if h is not _REFUSED and h.handlers else None

    def _deliver(self, topic: bytes, fmt: bytes, payload: bytes) -> None:
        if fmt != self.fmt:
            self._other_format(topic, fmt, payload)
            return
        try:
            name, args, meta = self._deserialize(payload, self._lookup_fn)
        except self.serialization_error as e:
            be = self.backend
            if isinstance(e, self._unknown_event_error):
                be.stats.unknown_events += 1
            else:
                be.stats.malformed += 1
            be.warn_once("decode:" + str(e)[:60], f"cluster: dropped an event: {e}")
            return
        self._stats.events_in += 1
        if self._verbose is not None:
            self._verbose.count("in", name, topic.decode("utf-8", "surrogateescape"), len(payload))
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
        if meta is None and not self._metadata.add_network_timestamp:
            self._post(h, args if type(args) is tuple else tuple(args))
        else:
            self._post_remote(h, tuple(args), meta)

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
        be = self.backend
        module = be.script_module if be is not None else _ZMQ
        name = module + ("subscription" if subscribed else "unsubscription")
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
        nodes = self.host.global_value("Cluster::nodes", {}) or {}
        peers = sorted(
            n for n, rec in nodes.items() if n != self.node and getattr(rec, "f_id", None)
        )
        return {
            "node": self.node,
            "type": self.node_type,
            "pid": os.getpid(),
            "id": self.node_id,
            "started": self.started,
            "updated": time.time(),
            "up": self.backend is not None,
            "peers_up": peers,
            "messages_suppressed": self.host.reporter.suppressed,
            **st,
        }

    def cluster_view(self) -> dict:
        """The manager's view of the cluster: every node of ``Cluster::nodes``
        with its address, metrics port, and whether it is up (it said hello
        and has not gone down since)."""
        nodes = self.host.global_value("Cluster::nodes", {}) or {}
        out = []
        for name, rec in nodes.items():
            t = getattr(getattr(rec, "f_node_type", None), "name", "")
            mp = getattr(rec, "f_metrics_port", None)
            nid = self.node_id if name == self.node else getattr(rec, "f_id", None)
            out.append(
                {
                    "name": name,
                    "type": t.rpartition("::")[2].lower(),
                    "host": str(getattr(rec, "f_ip", "")),
                    "metrics_port": mp.num if mp is not None and mp.num else None,
                    "up": bool(nid),
                    "id": nid or None,
                }
            )
        return {"manager": self.node, "updated": time.time(), "nodes": out}

    def _serve_cluster_view(self) -> None:
        """On the manager: ``/cluster.json`` on the metrics endpoint, its
        :meth:`cluster_view` (``zscript cluster status`` on another host
        asks for it).  Read on the endpoint's thread: the view only reads
        ``Cluster::nodes``, and a table changing under it is read again."""
        tel = self.host.subsystems.get("telemetry")
        if tel is not None:
            tel.documents["/cluster.json"] = self._view_json

    def _view_json(self) -> bytes:
        import json  # here: only the manager serves its view

        for _ in range(10):
            try:
                return json.dumps(self.cluster_view()).encode()
            except RuntimeError:  # "dictionary changed size during iteration"
                continue
        return b"{}"

    def _write_status(self, up: bool = True) -> None:
        data = self.status()
        data["up"] = up and data["up"]
        path = os.path.join(self.run_dir, f"{self.node or 'standalone'}.status.json")
        tmp = path + ".tmp"
        import json  # here: only a supervised node writes its status

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
