##! The telemetry framework (``@load base/frameworks/telemetry``): Prometheus
##! metrics of this process, and the ``Telemetry::`` script API to define
##! counters, gauges and histograms.  A cluster node serves its metrics on the
##! ``metrics_port`` of its layout entry.

@load ./main
