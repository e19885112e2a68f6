"""The telemetry built-in functions (Zeek's ``telemetry_functions.bif``).

The scripts in ``stdlib/base/frameworks/telemetry`` build the public
``Telemetry::`` API on these, as Zeek's ``main.zeek`` does:

* ``Telemetry::listen_prometheus(addr, port, expose_services_json)``:
  serve ``/metrics`` (see :meth:`.subsystem.TelemetrySubsystem.listen`).
* ``Telemetry::__<kind>_family(prefix, name, labels, [bounds,] helptext, unit)``
  for ``counter``, ``gauge`` and ``histogram``; ``__<kind>_metric_get_or_add(family,
  labels)`` with a ``table[string] of string`` of label values.
* ``__counter_inc``, ``__counter_value``, ``__gauge_inc``, ``__gauge_dec``,
  ``__gauge_value``, ``__histogram_observe``, ``__histogram_sum``.
* ``__collect_metrics(prefix, name)`` and ``__collect_histogram_metrics``:
  every metric of the process (built-in ones too) whose full name matches
  the glob ``<prefix>_<name>*``, as ``Telemetry::Metric`` /
  ``Telemetry::HistogramMetric`` records, after running ``Telemetry::sync``.
  Zeek declares them ``any_vec``; here they return the typed vectors.

Errors are reported with Zeek's messages; a bad family name (ending in
``_total``) is an error here rather than fatal, and yields a family that is
never exposed.  A negative counter increment is ignored (prometheus-cpp).
"""

from __future__ import annotations

import fnmatch

from ..runtime.containers import Vector
from ..runtime.values import record_class
from .families import MetricNameError, full_name
from .script_api import FamilyHandle, MetricHandle

__all__ = ["register_bifs"]

_DEF = '&default="Zeek Script Metric", unit: string &default=""'


def register_bifs(host, sub) -> None:
    """Register the ``Telemetry::`` bifs of ``sub`` (a TelemetrySubsystem) in ``host``."""
    b = _Bifs(host, sub)
    add = host.add_bif
    add(
        "Telemetry::listen_prometheus",
        "function(listen_addr: string, metrics_port: port, expose_services_json: bool): bool",
        b.listen_prometheus,
    )
    for kind in ("counter", "gauge", "histogram"):
        bounds = "bounds: double_vec, " if kind == "histogram" else ""
        add(
            f"Telemetry::__{kind}_family",
            f"function(prefix: string, name: string, labels: string_vec, {bounds}"
            f"helptext: string {_DEF}): opaque of {kind}_metric_family",
            getattr(b, f"{kind}_family"),
        )
        add(
            f"Telemetry::__{kind}_metric_get_or_add",
            f"function(family: opaque of {kind}_metric_family, labels: table_string_of_string)"
            f": opaque of {kind}_metric",
            b.get_or_add,
        )
    c, g, h = "opaque of counter_metric", "opaque of gauge_metric", "opaque of histogram_metric"
    add("Telemetry::__counter_inc", f"function(val: {c}, amount: double &default=1.0): bool", b.inc)
    add("Telemetry::__counter_value", f"function(val: {c}): double", b.value)
    add("Telemetry::__gauge_inc", f"function(val: {g}, amount: double &default=1.0): bool", b.inc)
    add("Telemetry::__gauge_dec", f"function(val: {g}, amount: double &default=1.0): bool", b.dec)
    add("Telemetry::__gauge_value", f"function(val: {g}): double", b.value)
    add(
        "Telemetry::__histogram_observe",
        f"function(val: {h}, measurement: double): bool",
        b.observe,
    )
    add("Telemetry::__histogram_sum", f"function(val: {h}): double", b.hist_sum)
    add(
        "Telemetry::__collect_metrics",
        "function(prefix: string, name: string): Telemetry::MetricVector",
        b.collect_metrics,
    )
    add(
        "Telemetry::__collect_histogram_metrics",
        "function(prefix: string, name: string): Telemetry::HistogramMetricVector",
        b.collect_histogram_metrics,
    )


class _Bifs:
    def __init__(self, host, sub):
        self.host = host
        self.sub = sub

    def error(self, message: str) -> None:
        self.host.reporter.error(message)

    # ------------------------------------------------------------ serving

    def listen_prometheus(self, addr: str, port, expose_services_json: bool) -> bool:
        return self.sub.listen(addr, port.num, bool(expose_services_json))

    # ----------------------------------------------------------- families

    def _family(self, kind, prefix, name, labels, helptext, unit, bounds=()) -> FamilyHandle:
        try:
            full = full_name(prefix, name, unit, counter=kind == "counter")
        except MetricNameError as e:
            self.error(str(e))
            return FamilyHandle(kind, f"{prefix}_{name}", helptext, labels, bounds)
        labels = [str(x).replace("-", "_") for x in labels]
        return self.sub.script.family(kind, full, helptext, labels, bounds)

    def counter_family(self, prefix, name, labels, helptext="Zeek Script Metric", unit=""):
        return self._family("counter", prefix, name, labels, helptext, unit)

    def gauge_family(self, prefix, name, labels, helptext="Zeek Script Metric", unit=""):
        return self._family("gauge", prefix, name, labels, helptext, unit)

    def histogram_family(
        self, prefix, name, labels, bounds, helptext="Zeek Script Metric", unit=""
    ):
        return self._family("histogram", prefix, name, labels, helptext, unit, bounds)

    def get_or_add(self, family, labels) -> MetricHandle:
        kind = family.kind
        given = {str(k).replace("-", "_"): str(v) for k, v in labels.items()}
        if len(given) != len(family.label_names) or not all(k in given for k in family.label_names):
            self.error(f"Telemetry::{kind}_metric_get_or_add: invalid label dimensions.")
            return MetricHandle(None, kind)
        return family.get_or_add(tuple(given[k] for k in family.label_names))

    # ------------------------------------------------------------ metrics

    def inc(self, m: MetricHandle, amount: float = 1.0) -> bool:
        amount = float(amount)
        if m.ztype.opaque_name == "counter_metric" and amount < 0:
            return True  # ignored, as prometheus-cpp does
        m.value += amount
        return True

    def dec(self, m: MetricHandle, amount: float = 1.0) -> bool:
        m.value -= float(amount)
        return True

    def value(self, m: MetricHandle) -> float:
        return m.value

    def observe(self, m: MetricHandle, measurement: float) -> bool:
        m.observe(float(measurement))
        return True

    def hist_sum(self, m: MetricHandle) -> float:
        return m.sum

    # ------------------------------------------------------------ collect

    def _matching(self, prefix: str, name: str, histograms: bool):
        pattern = f"{prefix}_{name}"
        if not pattern.endswith("*"):
            pattern += "*"
        fams = [
            f
            for f in self.sub.collect()
            if (f.kind == "histogram") == histograms and fnmatch.fnmatchcase(f.name, pattern)
        ]
        rows = [(f, key, v) for f in fams for key, v in f.samples.items()]

        def order(row):  # Zeek's order under test: name length, name, label values
            f, key, _ = row
            return len(f.name), f.name, [v for _, v in sorted(zip(f.label_names, key, strict=True))]

        rows.sort(key=order)
        return rows

    def _opts(self, f, cache: dict):
        r = cache.get(f.name)
        if r is None:
            cls = record_class(self.host.script_type("Telemetry::MetricOpts"))
            given = {
                "f_prefix": f.prefix,
                "f_name": f.name,
                "f_help_text": f.help,
                "f_is_total": f.name.endswith("_total"),
                "f_metric_type": self.host.enum_value("Telemetry::" + f.kind.upper()),
            }
            r = cache[f.name] = cls._zmake(given)
        return r

    def _strings(self, items) -> Vector:
        return Vector(self.host.script_type("string_vec"), [str(x) for x in items])

    def _labels(self, names, values) -> dict:
        """``f_label_names``/``f_label_values`` sorted by label name, as Zeek's
        (prometheus-cpp keeps a metric's labels in a map ordered by name)."""
        pairs = sorted(zip(names, values, strict=True))
        return {
            "f_label_names": self._strings(n for n, _ in pairs),
            "f_label_values": self._strings(v for _, v in pairs),
        }

    def collect_metrics(self, prefix: str, name: str) -> Vector:
        cls = record_class(self.host.script_type("Telemetry::Metric"))
        cache: dict = {}
        out = [
            cls._zmake(
                {
                    "f_opts": self._opts(f, cache),
                    **self._labels(f.label_names, key),
                    "f_value": float(v),
                }
            )
            for f, key, v in self._matching(prefix, name, False)
        ]
        return Vector(self.host.script_type("Telemetry::MetricVector"), out)

    def collect_histogram_metrics(self, prefix: str, name: str) -> Vector:
        cls = record_class(self.host.script_type("Telemetry::HistogramMetric"))
        opts_cls = record_class(self.host.script_type("Telemetry::MetricOpts"))
        doubles = self.host.script_type("double_vec")
        out = []
        for f, key, (buckets, total) in self._matching(prefix, name, True):
            values, last = [], 0
            for _, cum in buckets:
                values.append(float(cum - last))
                last = cum
            opts = self._opts(f, {})
            opts = opts_cls._zmake(
                {**opts.__dict__, "f_bounds": Vector(doubles, [b for b, _ in buckets])}
            )
            given = {
                "f_opts": opts,
                **self._labels(f.label_names, key),
                "f_values": Vector(doubles, values),
                "f_observations": float(last),
                "f_sum": float(total),
            }
            out.append(cls._zmake(given))
        return Vector(self.host.script_type("Telemetry::HistogramMetricVector"), out)
