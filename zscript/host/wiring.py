"""How one process's subsystems are installed and connected.

Subsystems at the same level (cluster, logs, storage, telemetry, WebSocket,
Broker ...) never import each other; :func:`install_subsystems` installs each
(``install(host)``, in :data:`SUBSYSTEMS` order) and :func:`connect_subsystems`
hands each the others' entry points it needs (remote log sinks, store
transports, metric sources).  :func:`install_runtime` fills the namespace
compiled code runs in with the engine's and runtime's services (``_z_*``).
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from ..broker.subsystem import install as install_broker
from ..cluster.logtransport import install as cluster_logs_install
from ..cluster.storetransport import ClusterStoreTransport
from ..cluster.subsystem import install as cluster_install
from ..cluster.supervised import install as install_supervision
from ..cluster.websocket import install as websocket_install
from ..config.install import install as install_config
from ..engine.metadata_bifs import install as install_event_metadata
from ..input.install import install as install_input
from ..logs.batch import LogBatch
from ..logs.install import install as install_logs
from ..logs.writers import writer_samples
from ..runtime import ops, patterns, sinks, zeekorder
from ..runtime.patterns import pmatch, psearch
from ..storage.install import install as install_storage
from ..telemetry import sources as telemetry_sources
from ..telemetry.subsystem import install as install_telemetry

if TYPE_CHECKING:
    from .core import Host

__all__ = ["SUBSYSTEMS", "connect_subsystems", "install_runtime", "install_subsystems"]

#: Subsystems installed into every host, in order: (name, install function).
#: Each ``install(host)`` returns the subsystem object (``host.subsystems[name]``).
SUBSYSTEMS: list[tuple[str, object]] = [
    ("event-metadata", install_event_metadata),
    ("cluster", cluster_install),
    ("cluster-logs", cluster_logs_install),
    ("logs", install_logs),
]
SUBSYSTEMS.append(("storage", install_storage))
SUBSYSTEMS.append(("telemetry", install_telemetry))
SUBSYSTEMS.append(("websocket", websocket_install))
SUBSYSTEMS.append(("input", install_input))
SUBSYSTEMS.append(("config", install_config))
SUBSYSTEMS.append(("broker", install_broker))
SUBSYSTEMS.append(("supervisor", install_supervision))


def install_subsystems(host: Host) -> None:
    """Install every subsystem (``host.subsystems[name]``), then connect them."""
    for name, install in SUBSYSTEMS:
        host.subsystems[name] = install(host)
    connect_subsystems(host)


def connect_subsystems(host: Host) -> None:
    """Connect subsystems that must not import each other (same level)."""
    logs, transport = host.subsystems.get("logs"), host.subsystems.get("cluster-logs")
    if logs is not None and transport is not None:
        # Remote logging: the cluster's PUSH/PULL pipeline carries the log batches.
        transport.connect_sink = logs.set_remote_sink
        transport.accept = lambda payload: logs.accept_remote(LogBatch.decode(payload))
    storage, cluster = host.subsystems.get("storage"), host.subsystems.get("cluster")
    if storage is not None and cluster is not None:
        # &backend tables and Broker:: stores replicate over the cluster's
        # sockets on a cluster node.  Installed before the tables are bound
        # (on_start, first), so they get their role (master on the manager)
        # at once; messages wait until the backend connects in zeek_init.
        # A node that joins later (``repl --node``) gets it then.
        stores = host.subsystems["cluster-stores"] = ClusterStoreTransport(cluster)

        def use_cluster_stores() -> None:
            if cluster.enabled and storage.transport is not stores:
                storage.set_transport(stores)

        host.on_start.insert(0, use_cluster_stores)
        cluster.on_backend_up.append(use_cluster_stores)
    broker = host.subsystems.get("broker")
    if broker is not None and logs is not None:
        connect_broker(host, broker, logs)
    telemetry = host.subsystems.get("telemetry")
    if telemetry is not None:
        # Metric sources read the other subsystems' counters at scrape time
        # (zscript/telemetry/sources.py lists the metrics).
        cluster = host.subsystems.get("cluster")
        if cluster is not None:

            def backend_stats():
                be = cluster.backend
                if be is not None:
                    return be.stats.as_dict()
                return {} if cluster.enabled else None  # None: not in a cluster

            telemetry.add_source(telemetry_sources.cluster_source(backend_stats), "cluster")
            telemetry.add_source(cluster.telemetry.samples, "cluster-verbose")
        ws = host.subsystems.get("websocket")
        if ws is not None:  # the WebSocket clients' event metrics
            telemetry.add_source(ws.telemetry.samples, "websocket-events")
        if transport is not None:
            # Remote logging drops (zscript_cluster_log_drops_total, ..._log_msg_errors_total).
            telemetry.add_source(
                telemetry_sources.log_transport_source(
                    lambda: transport.stats() if transport.transport is not None else None
                ),
                "cluster-logs",
            )
        if logs is not None and hasattr(logs, "write_counts"):  # see telemetry-requests T3
            telemetry.add_source(telemetry_sources.log_source(logs.write_counts), "logs")
            # Writers' own counters (the NATS writer's acknowledged and lost records).
            telemetry.add_source(writer_samples, "log-writers")
        storage = host.subsystems.get("storage")
        if storage is not None:
            telemetry.add_source(storage.metric_samples, "storage")


def connect_broker(host: Host, broker, logs) -> None:
    """Outside a cluster layout, Broker peerings carry replicated stores,
    and remote logs when Broker is the cluster backend (``zscript/broker``)."""
    cluster = host.subsystems.get("cluster")
    storage = host.subsystems.get("storage")

    def endpoint_up(ep) -> None:
        if broker.is_cluster_backend:
            logs.set_remote_sink(BrokerLogSink(broker))
        if cluster is not None and cluster.enabled:
            return  # a cluster node replicates over the cluster's transport
        if storage is not None:
            from ..broker.stores import BrokerStoreTransport

            storage.set_transport(BrokerStoreTransport(broker, ep))

    broker.on_endpoint.append(endpoint_up)
    if cluster is not None:
        cluster.backend_factories["Cluster::CLUSTER_BACKEND_BROKER"] = broker.cluster_backend
    broker.accept_log = lambda payload: logs.accept_remote(LogBatch.decode(payload))
    broker.flush_logs = logs.flush_all
    if storage is not None:
        storage.stores.wrap_result = broker.data.result


class BrokerLogSink:
    """Remote log batches published to Broker peers (a ``LogSink``)."""

    def __init__(self, broker):
        self.broker = broker

    def send(self, batch) -> bool:
        return self.broker.send_log(batch.path, batch.encode())


def install_runtime(host: Host) -> None:
    ns = host.ns
    ns.update(ops.HELPERS)
    sinks.WARNINGS[0] = host.reporter.warning_here
    sinks.ERRORS[0] = host.reporter.error_here
    sinks.TYPE_ERRORS[0] = host.reporter.type_error_here
    sinks.PLAIN_WARNINGS[0] = host.reporter.script_warning
    out = host.stdout
    if out is None:
        write = sys.stdout.write

        def _print(*parts: str) -> None:
            write(", ".join(parts) + "\n")

    else:

        def _print(*parts: str) -> None:
            out.write(", ".join(parts) + "\n")

    ns["_z_print"] = _print
    loop = host.loop
    ns["_z_event"] = loop.event
    ns["_z_qappend"] = loop.queue.queue.append
    ns["_z_schedule"] = loop.schedule
    ns["_z_when"] = loop.triggers.when
    ns["_z_acall"] = loop.triggers.async_call
    ns["_z_acached"] = loop.triggers.cached
    ns["_z_wlocal"] = _wlocal
    ns["_z_addhandler"] = host._add_handler
    ns["_z_lazy"] = host.lazy_body
    ns["_z_mktable"] = host.make_table
    ns["_z_mkset"] = host.make_set
    ns["_z_zloop"] = zeekorder.begin_loop
    ns["_z_zdone"] = zeekorder.end_loop
    ns["_z_withattrs"] = host.with_attrs
    ns["_z_backend_assign"] = host.backend_assign
    ns["_z_pmatch"] = pmatch
    ns["_z_psearch"] = psearch
    ns["_z_assert"] = host._assert
    for name in (
        "pattern_concat",
        "pattern_union",
        "pattern_add_to",
        "pattern_lookup",
        "pattern_in",
    ):
        ns["_z_" + name] = getattr(patterns, name)


def _wlocal(frame, name: str, value) -> bool:
    setattr(frame, name, value)
    return True
