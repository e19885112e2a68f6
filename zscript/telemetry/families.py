"""Metric samples and families: what sources hand in, what is exposed.

A *metric source* is a callable taking no arguments that returns an
iterable of samples.  A sample is a plain tuple, so that the subsystems
feeding telemetry (cluster, logs, storage, all on telemetry's own layer)
need not import anything from here::

    (name, kind, help, labels, value)

``name``
    The full Prometheus name as exposed: ``<prefix>_<name>[_<unit>]``, and
    for counters ``_total`` (added if missing), e.g.
    ``zeek_cluster_core_incoming_events_total``.
``kind``
    ``"counter"``, ``"gauge"`` or ``"histogram"``.
``help``
    The ``# HELP`` text; the first sample of a family sets it.
``labels``
    A mapping (or a sequence of pairs) of label name to value.  ``-`` in a
    label name becomes ``_``, as in Zeek.  All samples of one family must
    use the same label names.
``value``
    A number; for a histogram ``(buckets, sum)``, ``buckets`` being
    ``(upper_bound, cumulative_count)`` pairs in increasing order whose last
    bound is ``math.inf`` (its count is the number of observations).

:func:`build_families` groups the samples of all sources into
:class:`Family` objects (adding the node label, see below), which
:func:`to_prometheus` turns into prometheus-client metric families for the
text exposition, and the script API turns into ``Telemetry::Metric``
records.  A bad sample (unknown kind, a family's second kind, other label
names) is dropped and reported through the ``problem`` callback, once per
family.

In a cluster every metric carries the node's name, Zeek's
``Telemetry::metrics_endpoint_label`` (``node``) set to
``Telemetry::metrics_endpoint_name`` (``Cluster::node``), unless the sample
has that label already.

:func:`full_name` is Zeek's naming rule for script-defined families:
``<prefix>_<name>``, every non-alphanumeric character replaced by ``_``,
then ``_<unit>`` unless the unit is empty or ``"1"``, then ``_total`` for
counters; a name or unit ending in ``_total`` is refused.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

__all__ = [
    "KINDS",
    "Family",
    "MetricNameError",
    "build_families",
    "full_name",
    "to_prometheus",
]

KINDS = ("counter", "gauge", "histogram")


class MetricNameError(ValueError):
    """A metric name Zeek refuses (message as Zeek's reporter words it)."""


def full_name(prefix: str, name: str, unit: str = "", *, counter: bool = False) -> str:
    """The Prometheus name of a family (Zeek's ``BuildFullPrometheusName``).

    :raises MetricNameError: empty prefix or name, or a name or unit ending in ``_total``.
    """
    if not prefix or not name:
        raise MetricNameError(
            "Telemetry metric families must have a non-zero-length prefix and name"
        )
    fn = "".join(c if c.isascii() and c.isalnum() else "_" for c in f"{prefix}_{name}")
    if fn.endswith("_total"):
        raise MetricNameError("Metric names cannot end with '_total'")
    if unit == "total" or unit.endswith("_total"):
        raise MetricNameError("Metric units cannot end with '_total'")
    if unit and unit != "1":
        fn += "_" + unit
    return fn + "_total" if counter else fn


@dataclass
class Family:
    """One metric family: its samples by label values."""

    #: Exposed name (counters end in ``_total``).
    name: str
    kind: str
    help: str
    label_names: tuple[str, ...]
    #: label values -> value (a float, or ``(buckets, sum)`` for histograms).
    samples: dict[tuple[str, ...], object] = field(default_factory=dict)

    @property
    def prefix(self) -> str:
        """The word before the first ``_`` (Zeek's guess at the prefix too)."""
        return self.name.partition("_")[0] if "_" in self.name else ""


def _label_items(labels) -> list[tuple[str, str]]:
    items = labels.items() if isinstance(labels, Mapping) else labels
    return [(str(k).replace("-", "_"), str(v)) for k, v in items]


def build_families(
    batches: Iterable[Iterable[tuple]],
    *,
    node_label: tuple[str, str] | None = None,
    problem: Callable[[str, str], None] | None = None,
) -> list[Family]:
    """Group the samples of every source batch into families (see the module docstring).

    :param node_label: ``(label, value)`` added to every sample without that label.
    :param problem: ``problem(family_name, message)`` for dropped samples.
    """
    fams: dict[str, Family] = {}
    bad: set[str] = set()

    def drop(name: str, message: str) -> None:
        if problem is not None and name not in bad:
            problem(name, message)
        bad.add(name)

    for batch in batches:
        for sample in batch:
            name, kind, help_text, labels, value = sample
            if kind not in KINDS:
                drop(name, f"unknown metric kind {kind!r}")
                continue
            if kind == "counter" and not name.endswith("_total"):
                name += "_total"
            items = _label_items(labels)
            if node_label is not None and all(k != node_label[0] for k, _ in items):
                items.append(node_label)
            names = tuple(k for k, _ in items)
            fam = fams.get(name)
            if fam is None:
                fam = fams[name] = Family(name, kind, help_text or name, names)
            elif fam.kind != kind:
                drop(name, f"is a {fam.kind}, a source gave it as a {kind}")
                continue
            elif fam.label_names != names:
                if set(fam.label_names) != set(names):
                    drop(name, f"label names {list(names)} differ from {list(fam.label_names)}")
                    continue
                d = dict(items)
                items = [(k, d[k]) for k in fam.label_names]
            key = tuple(v for _, v in items)
            fam.samples[key] = value if kind == "histogram" else float(value)
    return list(fams.values())


def to_prometheus(families: Iterable[Family]) -> list:
    """prometheus-client metric families for :func:`prometheus_client.generate_latest`
    (prometheus-client is imported here, at the first scrape, not at start-up)."""
    from prometheus_client.core import (
        CounterMetricFamily,
        GaugeMetricFamily,
        HistogramMetricFamily,
    )

    out = []
    for f in families:
        labels = list(f.label_names)
        if f.kind == "counter":
            m = CounterMetricFamily(f.name, f.help, labels=labels)
            for key, v in f.samples.items():
                m.add_metric(list(key), v)
        elif f.kind == "gauge":
            m = GaugeMetricFamily(f.name, f.help, labels=labels)
            for key, v in f.samples.items():
                m.add_metric(list(key), v)
        else:
            m = HistogramMetricFamily(f.name, f.help, labels=labels)
            for key, (buckets, total) in f.samples.items():
                m.add_metric(list(key), [(_bound(b), float(c)) for b, c in buckets], float(total))
        out.append(m)
    return out


def _bound(b: float) -> str:
    return "+Inf" if b == math.inf else repr(float(b))
