##! Types of the telemetry framework (Zeek declares them in ``init-bare``).

module Telemetry;

export {
	## The kinds of metric.
	type MetricType: enum {
		## Only goes up (until the process restarts).
		COUNTER,
		## Goes up and down.
		GAUGE,
		## Observations counted in buckets.
		HISTOGRAM,
	};

	## Options of a metric family (``register_counter_family`` ...).
	type MetricOpts: record {
		## The namespace: ``zeek`` for the engine's metrics, ``process`` for
		## the process's; scripts pick their own.
		prefix: string;
		## The name.  In records returned by ``collect_metrics`` it is the
		## full Prometheus name (prefix, unit and ``_total`` included).
		name: string;
		## The unit (``seconds``, ``bytes`` ...); unset or "1" for none.
		unit: string &optional;
		## The help text.
		help_text: string &optional;
		## The label names; every metric of the family gives a value for each.
		label_names: vector of string &default=vector();
		## Whether the metric accumulates (set by ``collect_metrics``).
		is_total: bool &optional;
		## Upper bounds of a histogram's buckets.
		bounds: vector of double &optional;
		## The kind (set by ``collect_metrics``).
		metric_type: MetricType &optional;
	};

	## A counter or gauge as returned by ``collect_metrics``.
	type Metric: record {
		## The family.
		opts: MetricOpts;
		## The label names (with ``node`` in a cluster).
		label_names: vector of string &default=vector();
		## The label values, in the order of ``label_names``.
		label_values: vector of string &optional;
		## The current value.
		value: double &optional;
	};

	## A histogram as returned by ``collect_histogram_metrics``.
	type HistogramMetric: record {
		## The family (``$bounds`` ends with the +Inf bucket's bound).
		opts: MetricOpts;
		## The label names.
		label_names: vector of string &default=vector();
		## The label values, in the order of ``label_names``.
		label_values: vector of string &optional;
		## Observations per bucket (not cumulative), the last one the +Inf bucket.
		values: vector of double;
		## The number of observations.
		observations: double;
		## The sum of the observations.
		sum: double;
	};

	## Run before metrics are collected (a scrape, ``collect_metrics``):
	## handlers bring metrics that mirror other state up to date.  Keep them
	## cheap; ``break`` skips the remaining handlers and is reported.
	global sync: hook();

	type MetricVector: vector of Metric;
	type HistogramMetricVector: vector of HistogramMetric;

	## How long a scrape waits for the event loop to collect the metrics
	## before it is answered with the previous values.
	const callback_timeout: interval = 5sec &redef;
}
