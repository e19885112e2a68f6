"""Metrics defined by scripts: the state behind Zeek's ``Telemetry::`` script API.

``stdlib/base/frameworks/telemetry/main.zs`` implements the API of Zeek's
``base/frameworks/telemetry/main.zeek`` (``register_counter_family``,
``counter_with``, ``counter_inc``, gauges, histograms, ``collect_metrics``)
on the low-level built-in functions registered by :mod:`.bifs`, which call
into :class:`ScriptMetrics`:

* a *family* (``opaque of counter_metric_family`` ...) is a
  :class:`FamilyHandle`: its full Prometheus name (:func:`.families.full_name`),
  help text, label names and, for histograms, bucket bounds.  Registering a
  name twice returns the first family, as Zeek does.
* a *metric* (``opaque of counter_metric`` ...) is a :class:`MetricHandle`
  for one combination of label values, created on first use; it holds a
  float (counters, gauges) or bucket counts and a sum (histograms).

:meth:`ScriptMetrics.samples` is a metric source: every script metric is
exposed with the others.  Incrementing is an attribute update on the
handle, nothing more.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterator

from ..types import OpaqueType

__all__ = ["FamilyHandle", "MetricHandle", "ScriptMetrics"]

#: kind -> (family opaque type, metric opaque type)
OPAQUE = {
    kind: (OpaqueType(f"{kind}_metric_family"), OpaqueType(f"{kind}_metric"))
    for kind in ("counter", "gauge", "histogram")
}


class FamilyHandle:
    """A script's metric family (``opaque of <kind>_metric_family``)."""

    __slots__ = ("bounds", "help", "kind", "label_names", "metrics", "name", "ztype")

    def __init__(self, kind: str, name: str, help_text: str, label_names, bounds=()):
        self.kind = kind
        self.name = name
        self.help = help_text
        self.label_names: tuple[str, ...] = tuple(label_names)
        self.bounds: tuple[float, ...] = tuple(sorted(float(b) for b in bounds))
        #: label values -> metric, in creation order.
        self.metrics: dict[tuple[str, ...], MetricHandle] = {}
        self.ztype = OPAQUE[kind][0]

    def get_or_add(self, label_values: tuple[str, ...]) -> MetricHandle:
        m = self.metrics.get(label_values)
        if m is None:
            m = self.metrics[label_values] = MetricHandle(self)
        return m

    def __str__(self) -> str:
        return f"{self.name} family"


class MetricHandle:
    """One metric of a family (``opaque of <kind>_metric``).

    ``family`` is None for a detached metric (handed out after a label error:
    it counts, but is never exposed).
    """

    __slots__ = ("buckets", "count", "family", "sum", "value", "ztype")

    def __init__(self, family: FamilyHandle | None, kind: str | None = None):
        self.family = family
        kind = family.kind if family is not None else kind or "counter"
        self.ztype = OPAQUE[kind][1]
        self.value = 0.0
        nb = len(family.bounds) + 1 if family is not None and kind == "histogram" else 1
        #: Per-bucket (not cumulative) observation counts; the last is +Inf.
        self.buckets = [0] * nb
        self.count = 0
        self.sum = 0.0

    def observe(self, x: float) -> None:
        bounds = self.family.bounds if self.family is not None else ()
        self.buckets[bisect.bisect_left(bounds, x)] += 1
        self.count += 1
        self.sum += x

    def __str__(self) -> str:
        return f"{self.family.name if self.family else 'detached'} metric"


class ScriptMetrics:
    """The families scripts registered, by full name."""

    def __init__(self, sub):
        self.sub = sub
        self.families: dict[str, FamilyHandle] = {}

    def family(self, kind: str, name: str, help_text: str, label_names, bounds=()) -> FamilyHandle:
        f = self.families.get(name)
        if f is None:
            f = self.families[name] = FamilyHandle(kind, name, help_text, label_names, bounds)
        return f

    def samples(self) -> Iterator[tuple]:
        """The metric source of every script-defined metric."""
        for f in list(self.families.values()):
            for values, m in list(f.metrics.items()):
                labels = dict(zip(f.label_names, values, strict=True))
                if f.kind == "histogram":
                    yield (f.name, "histogram", f.help, labels, (_cumulative(f, m), m.sum))
                else:
                    yield (f.name, f.kind, f.help, labels, m.value)


def _cumulative(f: FamilyHandle, m: MetricHandle) -> list[tuple[float, int]]:
    out, total = [], 0
    for bound, n in zip((*f.bounds, math.inf), m.buckets, strict=True):
        total += n
        out.append((bound, total))
    return out
