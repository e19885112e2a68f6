"""Counting and measuring the cluster's events (Zeek's ``Cluster::Telemetry``).

Zeek configures each cluster backend with the metrics that a script option
asks for (``src/cluster/Telemetry.cc``): ``Cluster::Telemetry::core_metrics``
for the node's own backend (``name`` ``core``), ``websocket_metrics`` for
the backend of each WebSocket client (``name`` ``websocket``, with the
client's ``app`` label: its ``X-Application-Name``, else ``unknown``).  Each
backend reports every event it sends (*outgoing*) and every event it
receives (*incoming*) with the event's name, topic and serialized size.
For a WebSocket client's backend, outgoing events are those the client
publishes and incoming ones those delivered to it.  The option's values:

``INFO``
    ``zeek_cluster_<name>_{outgoing,incoming}_events_total``.  The core's
    come from the backend's counters (``telemetry.sources``); this module
    counts the WebSocket ones.
``VERBOSE``
    ``zeek_cluster_<name>_verbose_*_events_total{handler,topic}``.
``DEBUG``
    Histograms of the serialized sizes,
    ``zeek_cluster_<name>_debug_{outgoing,incoming}_event_sizes``, with
    the bounds ``Cluster::Telemetry::message_size_bounds``, labeled by
    handler and topic, and for outgoing events also ``script_location``: the
    ``FILE:LINE`` of the script's publish call, FILE without the search-path
    directory it was found in, as Zeek's ``without_zeekpath_component`` does
    (``none`` when no script published, as for a WebSocket client).

Topics that carry a process id would make one series per process:
``Cluster::Telemetry::topic_normalizations`` (patterns in order, matched
against the whole topic) maps them to one name; a pattern mapped to ""
leaves those events out of the VERBOSE and DEBUG metrics.
"""

from __future__ import annotations

import bisect
import math
from collections import Counter
from collections.abc import Iterator

from ..resources import script_path_entries
from ..runtime.builtins.misc import compress_path as _normalize  # Zeek's normalize_path

__all__ = ["EventTelemetry", "without_search_path"]

_INFO = "Cluster::Telemetry::INFO"
_VERBOSE = "Cluster::Telemetry::VERBOSE"
_DEBUG = "Cluster::Telemetry::DEBUG"
_DIRECTIONS = {"out": "outgoing", "in": "incoming"}
_HELP = {
    "info": "Number of {} events",
    "verbose": "Number of {} events with topic and handler information",
    "debug-out": "The number and size distribution of outgoing events with topic, "
    "handler and script location information",
    "debug-in": "The number and size distribution of incoming events with topic "
    "and handler information",
}


class EventTelemetry:
    """The event metrics of one kind of backend (``name``: ``core`` or
    ``websocket``); ``static_labels`` names the labels every call of
    :meth:`count` gives values for (``("app",)`` for WebSocket clients).
    Nothing is counted until :meth:`configure` turns metrics on."""

    def __init__(self, name: str = "core", static_labels: tuple[str, ...] = ()):
        self.name = name
        self.static_labels = static_labels
        self.info = self.verbose = self.debug = False
        self.enabled = False
        self.bounds: list[float] = []
        #: (direction, static values) -> count (INFO; not for the core).
        self.totals: Counter = Counter()
        #: (direction, static values, handler, topic) -> count (VERBOSE).
        self.counts: Counter = Counter()
        #: (direction, static values, handler, topic, location) -> [bucket counts..., sum].
        self.sizes: dict[tuple, list] = {}
        self._rules: list = []
        self._topics: dict[str, str | None] = {}
        self._locations: dict[tuple, str] = {}

    def configure(self, metrics, normalizations, bounds=()) -> None:
        """Read the script options: ``metrics`` is ``core_metrics`` or
        ``websocket_metrics`` (a set of enum values), ``normalizations`` the
        ``topic_normalizations`` table, ``bounds`` ``message_size_bounds``."""
        names = {getattr(m, "name", "") for m in metrics or ()}
        self.info = _INFO in names and self.name != "core"
        self.verbose = _VERBOSE in names
        self.debug = _DEBUG in names
        self.enabled = self.info or self.verbose or self.debug
        self.bounds = sorted(float(b) for b in bounds or ())
        self._rules = list((normalizations or {}).items())
        self._topics.clear()
        self.totals.clear()  # a new configuration starts new metrics
        self.counts.clear()
        self.sizes.clear()

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

    def open(self, static: tuple = ()) -> None:
        """A backend with these static label values exists: its INFO counters
        exist from now on (at 0), as Zeek creates them with the backend."""
        if self.info:
            for direction in _DIRECTIONS:
                self.totals[(direction, static)] += 0

    def count(
        self, direction: str, handler: str, topic: str, size: int, static: tuple = (), where=None
    ) -> None:
        """One event sent (``"out"``) or received (``"in"``): ``size`` is its
        serialized size; ``where`` (outgoing only) returns the publishing
        script's location, asked for only when DEBUG needs it."""
        if self.info:
            self.totals[(direction, static)] += 1
        if not (self.verbose or self.debug):
            return
        name = self.topic(topic)
        if name is None:
            return
        if self.verbose:
            self.counts[(direction, static, handler, name)] += 1
        if self.debug:
            location = (where() if where is not None else None) or "none"
            key = (direction, static, handler, name, location if direction == "out" else None)
            entry = self.sizes.get(key)
            if entry is None:
                entry = self.sizes[key] = [0] * (len(self.bounds) + 2)
            entry[bisect.bisect_left(self.bounds, size)] += 1
            entry[-1] += size

    def script_location(self, span) -> str | None:
        """``FILE:LINE`` of a script span, as the DEBUG metrics name it."""
        if span is None or span.file is None:
            return None
        key = (span.filename, span.line)
        loc = self._locations.get(key)
        if loc is None:
            loc = self._locations[key] = f"{without_search_path(span.filename)}:{span.line}"
        return loc

    def samples(self) -> Iterator[tuple]:
        """Telemetry samples ``(name, kind, help, labels, value)``."""
        prefix = f"zeek_cluster_{self.name}"
        statics = self.static_labels
        for (direction, static), n in sorted(self.totals.items()):
            way = _DIRECTIONS[direction]
            yield (
                f"{prefix}_{way}_events_total",
                "counter",
                _HELP["info"].format(way),
                dict(zip(statics, static, strict=True)),
                n,
            )
        for (direction, static, handler, topic), n in sorted(self.counts.items()):
            way = _DIRECTIONS[direction]
            labels = dict(zip(statics, static, strict=True))
            labels.update(handler=handler, topic=topic)
            yield (
                f"{prefix}_verbose_{way}_events_total",
                "counter",
                _HELP["verbose"].format(way),
                labels,
                n,
            )
        bounds = [*self.bounds, math.inf]
        for key, entry in sorted(self.sizes.items(), key=lambda kv: str(kv[0])):
            direction, static, handler, topic, location = key
            labels = dict(zip(statics, static, strict=True))
            labels.update(handler=handler, topic=topic)
            if direction == "out":
                labels["script_location"] = location
            cumulative, total = [], 0
            for bound, n in zip(bounds, entry[:-1], strict=True):
                total += n
                cumulative.append((bound, total))
            yield (
                f"{prefix}_debug_{_DIRECTIONS[direction]}_event_sizes",
                "histogram",
                _HELP["debug-" + direction],
                labels,
                (cumulative, entry[-1]),
            )


def without_search_path(filename: str) -> str:
    """``filename`` without the first search-path directory it starts with
    (Zeek's ``util::detail::without_zeekpath_component``, including its
    plain string-prefix test: ``../x.zeek`` "starts with" ``.``, giving
    ``./x.zeek``)."""
    path = _normalize(filename)
    for entry in script_path_entries():
        common = _normalize(entry)
        if path.startswith(common):
            return path[len(common) :].lstrip("/")
    return path
