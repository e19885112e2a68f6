"""The telemetry subsystem: one metric registry per process, served to Prometheus.

:func:`install` (an entry of the host's ``SUBSYSTEMS``, in ``zscript/host/wiring.py``) creates the
:class:`TelemetrySubsystem`.  It owns a prometheus-client
``CollectorRegistry`` holding a single collector; that collector does not
keep metric objects but asks the *metric sources* (:mod:`.families`,
:mod:`.sources`) for their current values whenever it is collected.
Counting therefore never touches prometheus-client: the engine and the
subsystems keep plain integers, read at scrape time.

Collection (:meth:`TelemetrySubsystem.collect`) runs on the event-loop
thread, as Zeek runs its metric callbacks on the main loop: first the
script hook ``Telemetry::sync``, then every source, in the order they were
added; the samples are grouped into families, each with the node label in
a cluster.  A scrape arrives on an HTTP thread, which posts the collection
to the asyncio loop and waits up to ``Telemetry::callback_timeout``
(Zeek's ``WaitForPrometheusCallbacks``); if the loop does not answer in
time (or is shutting down) the scrape gets the previous collection.  The
text is then rendered on the HTTP thread.

Serving follows Zeek's ``base/frameworks/telemetry``: its ``zeek_init``
handler calls ``Telemetry::listen_prometheus(addr, port, is_manager)``
when ``Telemetry::metrics_port`` is set.  Here that only records the
request; the server (:mod:`.server`) binds when the event loop starts
(``EventLoop.add_io``), so a process that never enters its loop never
listens, and a bind error (port in use) is a reporter error after
initialisation, which the node survives (Zeek makes it fatal).  The
server stops when the process exits (``EventLoop.on_exit``).

Other subsystems contribute with :meth:`TelemetrySubsystem.add_source`;
the host wires them (``Host._connect_subsystems``) because telemetry may
not import them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from .bifs import register_bifs
from .families import Family, build_families, to_prometheus
from .script_api import ScriptMetrics
from .sources import engine_source, exposer_source, process_source

if TYPE_CHECKING:
    from .server import MetricsServer

__all__ = ["TelemetrySubsystem", "install"]

#: ``Telemetry::callback_timeout`` when the scripts do not declare it.
DEFAULT_CALLBACK_TIMEOUT = 5.0


def install(host) -> TelemetrySubsystem:
    """Install the telemetry subsystem into ``host``; return it."""
    return TelemetrySubsystem(host)


class _SourceCollector:
    """The registry's one collector: the sources' values, collected on the loop thread."""

    def __init__(self, sub: TelemetrySubsystem):
        self.sub = sub

    def describe(self):
        return []

    def collect(self):
        return to_prometheus(self.sub.families_for_scrape())


class _Request:
    __slots__ = ("done", "result")

    def __init__(self):
        self.done = threading.Event()
        self.result: list[Family] | None = None


class TelemetrySubsystem:
    """Metrics of one host; see the module docstring."""

    def __init__(self, host):
        self.host = host
        self.loop = host.loop
        #: The prometheus-client registry, made at the first scrape (importing
        #: prometheus-client costs ~15 ms that scripts without metrics never pay).
        self._registry = None
        self.server: MetricsServer | None = None
        self.script = ScriptMetrics(self)
        self._sources: list[tuple[str, Callable[[], Iterable[tuple]]]] = []
        self._failed: set[str] = set()
        self._bad_families: set[str] = set()
        self._last: list[Family] = []
        self._in_sync = False
        self._listen: tuple[str, int, bool] | None = None
        #: More JSON documents the endpoint serves, by path (:class:`MetricsServer`).
        self.documents: dict[str, Callable[[], bytes]] = {}
        self._aloop = None
        self._loop_thread = threading.get_ident()
        self._pending: set[_Request] = set()
        self._lock = threading.Lock()
        self._timeout = DEFAULT_CALLBACK_TIMEOUT
        self.add_source(engine_source(self.loop), "engine")
        self.add_source(process_source(), "process")
        self.add_source(exposer_source(self._server_stats), "exposer")
        self.add_source(self.script.samples, "script")
        register_bifs(host, self)
        self.loop.on_exit.append(self.stop)

    # ------------------------------------------------------------- sources

    def add_source(self, source: Callable[[], Iterable[tuple]], name: str | None = None) -> None:
        """Add a metric source (see :mod:`.families` for the sample tuples).

        A source that raises is reported once (by ``name``) and skipped.
        """
        self._sources.append((name or getattr(source, "__name__", "source"), source))

    def collect(self) -> list[Family]:
        """Run ``Telemetry::sync``, then every source (call on the loop thread)."""
        self._run_sync_hook()
        batches = []
        for name, source in self._sources:
            try:
                batches.append(list(source()))
            except Exception as exc:  # noqa: BLE001 - one broken source must not stop the rest
                if name not in self._failed:
                    self._failed.add(name)
                    self.host.reporter.error(f"telemetry: metric source '{name}' failed: {exc}")
        fams = build_families(batches, node_label=self._node_label(), problem=self._bad_family)
        self._last = fams
        return fams

    def _node_label(self) -> tuple[str, str] | None:
        g = self.host.global_value
        label, name = (
            g("Telemetry::metrics_endpoint_label", ""),
            g("Telemetry::metrics_endpoint_name", ""),
        )
        return (label, name) if label and name else None

    def _bad_family(self, name: str, message: str) -> None:
        if name not in self._bad_families:
            self._bad_families.add(name)
            self.host.reporter.warning(f"telemetry: dropped samples of {name}: {message}")

    def _run_sync_hook(self) -> None:
        if self._in_sync:
            self.host.reporter.warning("Telemetry::sync() hook invoked recursively")
            return
        self._in_sync = True
        try:
            if not self.host.call_hook("Telemetry::sync", ()):
                self.host.reporter.warning(
                    "Telemetry::sync() implementations skipped due to 'break' usage"
                )
        finally:
            self._in_sync = False
        if len(self.loop.queue):
            self.loop.wake()  # events the hook raised run in the next round

    # ----------------------------------------------------------- exposition

    def exposition(self) -> bytes:
        """The Prometheus text of every metric (from any thread)."""
        from prometheus_client import generate_latest
        from prometheus_client.registry import CollectorRegistry

        with self._lock:
            if self._registry is None:
                self._registry = CollectorRegistry(auto_describe=False)
                self._registry.register(_SourceCollector(self))
        return generate_latest(self._registry)

    def families_for_scrape(self) -> list[Family]:
        """:meth:`collect`, run on the loop thread however this is called (see module docstring)."""
        if threading.get_ident() == self._loop_thread:
            return self.collect()
        aloop = self._aloop
        if aloop is None or self.loop.terminating:
            return self._last
        req = _Request()
        with self._lock:
            self._pending.add(req)
        try:
            aloop.call_soon_threadsafe(self._answer, req)
        except RuntimeError:  # the asyncio loop is closed: the process is ending
            return self._last
        try:
            if not req.done.wait(self._timeout):
                self.host.reporter.warning("Timeout waiting for prometheus callbacks")
        finally:
            with self._lock:
                self._pending.discard(req)
        return req.result if req.result is not None else self._last

    def _answer(self, req: _Request) -> None:
        try:
            if not req.done.is_set():
                req.result = self.collect()
        finally:
            req.done.set()

    # ------------------------------------------------------------- serving

    def listen(self, address: str, port: int, expose_services_json: bool) -> bool:
        """``Telemetry::listen_prometheus``: serve once the event loop runs.

        False (and nothing listens) for port 0 or a second call.
        """
        if port == 0:
            return False
        if self._listen is not None:
            self.host.reporter.error(
                "Telemetry::listen_prometheus: already listening on "
                f"{self._listen[0]}:{self._listen[1]}"
            )
            return False
        self._listen = (address, port, expose_services_json)
        self._timeout = float(
            self.host.global_value("Telemetry::callback_timeout", DEFAULT_CALLBACK_TIMEOUT)
        )
        self.loop.add_io(self._start)
        return True

    def _start(self, aloop) -> None:
        """Bind and serve (on the loop thread, when the event loop starts)."""
        self._aloop = aloop
        self._loop_thread = threading.get_ident()
        if self._listen is None or self.loop.terminating:
            return
        address, port, expose = self._listen
        from .server import MetricsServer  # http.server: only when serving

        if expose:
            # Built for each request: nodes that register at run time appear.
            self.documents["/services.json"] = self._services
        server = MetricsServer(address, port, self.exposition, None, self.documents)
        try:
            server.start()
        except OSError as e:
            self.host.reporter.error(
                f"Failed to set up Prometheus endpoint: {e.strerror or e}. "
                f"Attempted to bind to {address}:{port}."
            )
            return
        self.server = server

    def _service_targets(self) -> list[tuple[str, int]]:
        """``(ip, metrics port)`` of every ``Cluster::nodes`` entry that has
        one, then of every process registered at run time
        (``Cluster::registered_nodes``, base/frameworks/cluster/registration)."""
        out = []
        for table in ("Cluster::nodes", "Cluster::registered_nodes"):
            nodes = self.host.global_value(table, None) or {}
            for rec in list(nodes.values()):
                p = getattr(rec, "f_metrics_port", None)
                ip = getattr(rec, "f_ip", None)
                if p is not None and ip is not None and p.num:
                    out.append((str(ip), p.num))
        return out

    def _services(self) -> bytes:
        """The ``/services.json`` body (read on the endpoint's thread: a table
        changing under it is read again)."""
        from .server import services_json

        for _ in range(10):
            try:
                return services_json(self._service_targets())
            except RuntimeError:  # "dictionary changed size during iteration"
                continue
        return services_json([])

    def _server_stats(self) -> tuple[int, int] | None:
        s = self.server
        return s.stats() if s is not None else None

    def stop(self) -> None:
        """Stop serving; scrapes still waiting get the last collection."""
        server, self.server = self.server, None
        with self._lock:
            for req in self._pending:
                req.done.set()
        if server is not None:
            server.stop()
