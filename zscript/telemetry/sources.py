"""The built-in metric sources: engine, process, exposer, cluster, log transport and logs.

Each function here makes a *metric source* (see :mod:`.families`): a
callable returning ``(name, kind, help, labels, value)`` samples, read when
metrics are collected, on the event-loop thread.  Nothing counts through
prometheus-client objects: sources read the plain integers the engine and
the subsystems keep anyway.

The engine, process and exposer sources are added by the telemetry
subsystem itself.  The cluster and log sources take *callables* returning
the other subsystem's counters, because telemetry must not import those
subsystems (same layer); ``Host._connect_subsystems`` passes them in.  The
storage subsystem is a source itself (its ``metric_samples``, Zeek's
``zeek_storage_*`` names), added there too.

=================================================  =======  ==========================
metric                                             kind     from
=================================================  =======  ==========================
``zeek_event_handler_invocations_total{name}``     counter  ``EventHandler.calls``
``zeek_timers_total``                              counter  ``TimerQueue.added``
``zeek_timers_pending{type}``                      gauge    the loop's timer queue
``zeek_triggers_total``                            counter  ``TriggerManager.total``
``zeek_pending_triggers``                          gauge    waiting ``when`` triggers
``zscript_messages_suppressed_total``              counter  ``Reporter.suppressed``
``process_resident_memory_bytes``                  gauge    ``/proc/self/statm``
``process_virtual_memory_bytes``                   gauge    ``/proc/self/statm``
``process_cpu_user_seconds_total``                 counter  ``os.times()``
``process_cpu_system_seconds_total``               counter  ``os.times()``
``process_open_fds``                               gauge    ``/proc/self/fd``
``process_start_time_seconds``                     gauge    ``/proc`` (else start-up)
``exposer_transferred_bytes_total``                counter  the HTTP server
``exposer_scrapes_total``                          counter  the HTTP server
``zeek_cluster_core_incoming_events_total``        counter  backend ``events_in``
``zeek_cluster_core_outgoing_events_total``        counter  backend ``events_out``
``zeek_cluster_zeromq_xpub_drops_total``           counter  backend ``send_drops``
``zeek_cluster_zeromq_onloop_drops_total``         counter  backend ``recv_drops``
``zscript_cluster_xpub_waits_total``               counter  backend ``send_waits``
``zeek_cluster_zeromq_msg_errors_total``           counter  backend ``malformed``
``zscript_cluster_format_mismatches_total``        counter  backend ``format_mismatches``
``zscript_cluster_unknown_events_total``           counter  backend ``unknown_events``
``zscript_cluster_local_events_total``             counter  backend ``local_events``
``zscript_cluster_refused_topics_total``           counter  backend ``refused_topics``
``zscript_cluster_log_drops_total``                counter  log transport ``log_send_drops``
``zscript_cluster_log_msg_errors_total``           counter  log transport ``log_malformed``
``zeek_log_stream_writes_total{module,stream}``    counter  ``LogManager.write_counts``
``zeek_log_writer_writes_total{writer,module,      counter  ``LogManager.write_counts``
stream,filter_name,path}``
``zeek_log_writer_truncated_string_fields_total``  counter  ``LogManager.write_counts``
``zeek_log_writer_truncated_containers_total``     counter  ``LogManager.write_counts``
=================================================  =======  ==========================

The ``zscript_cluster_`` counters have no Zeek equivalent.  Zeek logs
events in another format or of an undeclared event and drops them; here a
node whose serializer differs from the others', or that lacks an event's
declaration, loses *every* such event, which deserves an alert.  Zeek's
ZeroMQ log pipeline reports a full PUSH queue as an error and counts
nothing; here the batch is counted (its records in ``LogManager.dropped``).  ``zeek_version_info`` and script-defined
families come from the script API (:mod:`.script_api`).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator, Mapping

__all__ = [
    "cluster_source",
    "engine_source",
    "exposer_source",
    "log_source",
    "log_transport_source",
    "process_source",
]

Sample = tuple

#: Zeek's names of the timer types zscript has (``Timer.kind``): their
#: ``zeek_timers_pending`` series exist even at 0, as Zeek's do.  Timers
#: without a kind (zscript's own housekeeping) are counted as ``Other``.
TIMER_TYPES = (
    "LogFlushWriteBufferTimer",
    "RotateTimer",
    "ScheduleTimer",
    "StorageExpire",
    "TableValTimer",
    "TriggerTimer",
)


def engine_source(loop) -> Callable[[], Iterator[Sample]]:
    """Handler invocations, pending timers and triggers of an :class:`~zscript.engine.loop.EventLoop`."""
    registry, timers, triggers = loop.registry, loop.timers, loop.triggers

    def samples() -> Iterator[Sample]:
        for h in list(registry.by_name.values()):
            if h.calls and h.kind == "event":
                yield (
                    "zeek_event_handler_invocations_total",
                    "counter",
                    "Number of times the given event handler was called",
                    {"name": h.name},
                    h.calls,
                )
        yield ("zeek_timers_total", "counter", "Cumulative number of timers", {}, timers.added)
        pending = timers.pending_by_kind()
        for kind in sorted(set(TIMER_TYPES) | pending.keys()):
            yield (
                "zeek_timers_pending",
                "gauge",
                "Number of timers for a certain type",
                {"type": kind or "Other"},
                pending.get(kind, 0),
            )
        yield (
            "zeek_triggers_total",
            "counter",
            "Total number of triggers scheduled",
            {},
            triggers.total,
        )
        yield (
            "zeek_pending_triggers",
            "gauge",
            "Number of pending triggers",
            {},
            triggers.pending(),
        )
        yield (
            "zscript_messages_suppressed_total",
            "counter",
            "Number of repeated warnings and errors of zscript itself left out of stderr "
            "by the rate limit.",
            {},
            loop.reporter.suppressed,
        )

    return samples


def process_source() -> Callable[[], Iterator[Sample]]:
    """Zeek's ``process_*`` metrics for this process (memory from ``/proc`` on Linux)."""
    start = _start_time()
    page = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096

    def samples() -> Iterator[Sample]:
        t = os.times()
        yield ("process_cpu_user_seconds_total", "counter", "Total user CPU time spent", {}, t.user)
        yield (
            "process_cpu_system_seconds_total",
            "counter",
            "Total system CPU time spent",
            {},
            t.system,
        )
        try:
            with open("/proc/self/statm") as f:
                vms, rss = f.read().split()[:2]
        except OSError:
            pass
        else:
            yield (
                "process_resident_memory_bytes",
                "gauge",
                "Resident memory size",
                {},
                int(rss) * page,
            )
            yield (
                "process_virtual_memory_bytes",
                "gauge",
                "Virtual memory size",
                {},
                int(vms) * page,
            )
        try:
            fds = len(os.listdir("/proc/self/fd"))
        except OSError:
            pass
        else:
            yield ("process_open_fds", "gauge", "Number of open file descriptors", {}, fds)
        yield ("process_start_time_seconds", "gauge", "Process start time", {}, start)

    return samples


def _start_time() -> float:
    """The process's start (Unix time): from ``/proc``, else now (the subsystem starts early)."""
    try:
        with open("/proc/self/stat") as f:
            after_name = f.read().rpartition(")")[2].split()
        with open("/proc/stat") as f:
            btime = next(float(line.split()[1]) for line in f if line.startswith("btime "))
        # Field 22 of stat (starttime) is the 20th after the command name.
        return btime + int(after_name[19]) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, StopIteration):
        return time.time()


def exposer_source(server_stats: Callable[[], tuple[int, int] | None]):
    """Bytes sent and scrapes served by the metrics endpoint (``server_stats()``:
    ``(bytes, scrapes)``, or None while nothing listens)."""

    def samples() -> Iterator[Sample]:
        st = server_stats()
        if st is None:
            return
        yield (
            "exposer_transferred_bytes_total",
            "counter",
            "Transferred bytes to metrics services",
            {},
            st[0],
        )
        yield (
            "exposer_scrapes_total",
            "counter",
            "Number of times metrics were scraped",
            {},
            st[1],
        )

    return samples


#: backend stats key -> (metric, help)
_CLUSTER = {
    "events_in": ("zeek_cluster_core_incoming_events_total", "Number of incoming events"),
    "events_out": ("zeek_cluster_core_outgoing_events_total", "Number of outgoing events"),
    "send_drops": (
        "zeek_cluster_zeromq_xpub_drops_total",
        "Number of published events dropped due to XPUB socket HWM.",
    ),
    "send_waits": (
        "zscript_cluster_xpub_waits_total",
        "Number of publishes that waited for room in the XPUB socket's queue (flow control).",
    ),
    "recv_drops": (
        "zeek_cluster_zeromq_onloop_drops_total",
        "Number of received events dropped due to OnLoop queue full.",
    ),
    "malformed": (
        "zeek_cluster_zeromq_msg_errors_total",
        "Number of received messages that could not be decoded.",
    ),
    "format_mismatches": (
        "zscript_cluster_format_mismatches_total",
        "Number of received events dropped because they used another serialization format.",
    ),
    "unknown_events": (
        "zscript_cluster_unknown_events_total",
        "Number of received events dropped because this node does not declare them.",
    ),
    "local_events": (
        "zscript_cluster_local_events_total",
        "Number of received events dropped because only this node may raise them "
        "(zeek_init, Cluster::node_up, ...).",
    ),
    "refused_topics": (
        "zscript_cluster_refused_topics_total",
        "Number of publishes and subscriptions refused for a topic that is too long.",
    ),
}


def cluster_source(stats: Callable[[], Mapping[str, int] | None]):
    """The cluster counters; ``stats()`` returns the backend's counters by the
    keys of ``BackendStats`` (``events_in`` ...; missing ones are 0, e.g. before
    the backend started), or None when the process is not in a cluster (no
    samples then)."""

    def samples() -> Iterator[Sample]:
        st = stats()
        if st is None:
            return
        for key, (name, help_text) in _CLUSTER.items():
            yield (name, "counter", help_text, {}, st.get(key, 0))

    return samples


#: log transport stats key -> (metric, help)
_LOG_TRANSPORT = {
    "log_send_drops": (
        "zscript_cluster_log_drops_total",
        "Number of log batches dropped because no logger could take them "
        "(send queue full or no logger connected).",
    ),
    "log_malformed": (
        "zscript_cluster_log_msg_errors_total",
        "Number of received log messages that could not be decoded.",
    ),
}


def log_transport_source(stats: Callable[[], Mapping[str, int] | None]):
    """Remote logging drops; ``stats()`` returns the log transport's counters
    (``LogTransportSubsystem.stats``), or None while the node has no log
    transport (standalone; no samples then)."""

    def samples() -> Iterator[Sample]:
        st = stats()
        if st is None:
            return
        for key, (name, help_text) in _LOG_TRANSPORT.items():
            yield (name, "counter", help_text, {}, st.get(key, 0))

    return samples


def module_of(stream: str) -> str:
    """The module of a stream name (``Conn::LOG`` -> ``Conn``; ``GLOBAL`` without one,
    as Zeek's ``extract_module_name``)."""
    mod, sep, _ = stream.rpartition("::")
    return mod if sep else "GLOBAL"


def log_source(write_counts: Callable[[], tuple]):
    """Log write counters; ``write_counts()`` returns ``(streams, writers)``:
    ``(stream, writes)`` pairs and ``(writer, stream, filter_name, path, writes,
    truncated strings, truncated containers)`` tuples (``LogManager.write_counts``)."""

    def samples() -> Iterator[Sample]:
        streams, writers = write_counts()
        for stream, n in streams:
            yield (
                "zeek_log_stream_writes_total",
                "counter",
                "Total number of log writes for the given stream.",
                {"module": module_of(stream), "stream": stream},
                n,
            )
        for writer, stream, filter_name, path, n, cut_strings, cut_containers in writers:
            labels = {
                "writer": writer,
                "module": module_of(stream),
                "stream": stream,
                "filter_name": filter_name,
                "path": path,
            }
            yield (
                "zeek_log_writer_writes_total",
                "counter",
                "Total number of log writes passed to a concrete log writer not vetoed by "
                "stream or filter policies.",
                labels,
                n,
            )
            yield (
                "zeek_log_writer_truncated_string_fields_total",
                "counter",
                "Total number of string fields truncated by a log writer.",
                labels,
                cut_strings,
            )
            yield (
                "zeek_log_writer_truncated_containers_total",
                "counter",
                "Total number of containers truncated by a log writer.",
                labels,
                cut_containers,
            )

    return samples
