"""Counting the cluster's events by handler and topic (Zeek's ``Cluster::Telemetry``).

Every node counts the events it sends and receives (``events_out`` and
``events_in`` of :class:`~.backend.BackendStats`:
``zeek_cluster_core_{outgoing,incoming}_events_total``).  When the script
option ``Cluster::Telemetry::core_metrics`` holds ``VERBOSE``,
:class:`EventTelemetry` also counts them by handler and topic
(``zeek_cluster_core_verbose_*_events_total{handler,topic}``), as Zeek's
``src/cluster/Telemetry.cc`` does.  Topics that carry a process id would
make one series per process: ``Cluster::Telemetry::topic_normalizations``
(patterns in order, matched against the whole topic) maps them to one
name; a pattern mapped to "" leaves those events uncounted.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

__all__ = ["EventTelemetry"]

_VERBOSE = "Cluster::Telemetry::VERBOSE"
_METRICS = {
    "in": (
        "zeek_cluster_core_verbose_incoming_events_total",
        "Number of received cluster events, by handler and topic.",
    ),
    "out": (
        "zeek_cluster_core_verbose_outgoing_events_total",
        "Number of published cluster events, by handler and topic.",
    ),
}


class EventTelemetry:
    """The VERBOSE counters of one node (off until :meth:`configure` says so)."""

    def __init__(self):
        self.enabled = False
        self.counts: dict[str, Counter] = {"in": Counter(), "out": Counter()}
        self._rules: list = []
        self._topics: dict[str, str | None] = {}

    def configure(self, metrics, normalizations) -> None:
        """Read the script options: ``metrics`` is ``core_metrics`` (a set of
        enum values), ``normalizations`` the ``topic_normalizations`` table."""
        self.enabled = any(getattr(m, "name", "") == _VERBOSE for m in metrics or ())
        self._rules = list((normalizations or {}).items())
        self._topics.clear()

    def topic(self, topic: str) -> str | None:
        """The name ``topic`` is counted under (None: not counted)."""
        name = self._topics.get(topic, False)
        if name is False:
            name = topic
            for pattern, replacement in self._rules:
                if pattern.match_exact(topic):
                    name = replacement or None
                    break
            if len(self._topics) > 10000:
                self._topics.clear()
            self._topics[topic] = name
        return name

    def count(self, direction: str, handler: str, topic: str) -> None:
        """One event sent (``"out"``) or received (``"in"``)."""
        name = self.topic(topic)
        if name is not None:
            self.counts[direction][(handler, name)] += 1

    def samples(self) -> Iterator[tuple]:
        """Telemetry samples (nothing while VERBOSE is off)."""
        if not self.enabled:
            return
        for direction, (metric, help_text) in _METRICS.items():
            for (handler, topic), n in sorted(self.counts[direction].items()):
                yield (metric, "counter", help_text, {"handler": handler, "topic": topic}, n)
