"""Telemetry: Prometheus metrics of a zscript process (Zeek's telemetry framework).

Every process has a :class:`~.subsystem.TelemetrySubsystem`
(``host.subsystems["telemetry"]``).  When ``Telemetry::metrics_port`` is set
(in a cluster: the node's ``metrics_port`` from the layout) it serves
``GET /metrics`` on ``Telemetry::metrics_address`` (default 127.0.0.1), and
the manager also ``GET /services.json`` for Prometheus service discovery.
In a cluster every metric carries ``node="<Cluster::node>"``.

Modules:

* :mod:`.families`: the sample tuples metric sources return, Zeek's naming
  rule, grouping into families and conversion for prometheus-client;
* :mod:`.sources`: the built-in sources (engine, process, exposer) and the
  adapters for the cluster and log counters (the metric catalogue);
* :mod:`.server`: the HTTP endpoint;
* :mod:`.script_api` and :mod:`.bifs`: metrics defined by scripts
  (``Telemetry::register_counter_family`` ...), and the built-in functions;
* :mod:`.subsystem`: the registry, collection on the loop thread, start
  and stop.

The script side is ``stdlib/base/frameworks/telemetry``.  This package
imports the engine and runtime only; other subsystems feed it through
:meth:`~.subsystem.TelemetrySubsystem.add_source`, wired by the host.
"""

from .families import Family, build_families, full_name
from .subsystem import TelemetrySubsystem, install

__all__ = ["Family", "TelemetrySubsystem", "build_families", "full_name", "install"]
