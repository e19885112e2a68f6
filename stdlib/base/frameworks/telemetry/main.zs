##! The ``Telemetry::`` script API: metric families of counters, gauges and
##! histograms, their metrics (one per combination of label values), and
##! collecting every metric of the process.  Also starts the Prometheus
##! endpoint in ``zeek_init`` when ``Telemetry::metrics_port`` is set, and
##! exports ``zeek_version_info``.
##!
##! Example::
##!
##!     global requests_cf = Telemetry::register_counter_family([
##!         $prefix="site", $name="requests", $unit="",
##!         $help_text="Requests seen", $label_names=vector("method")]);
##!
##!     event request(method: string)
##!         {
##!         Telemetry::counter_family_inc(requests_cf, vector(method));
##!         }
##!
##! exposes ``site_requests_total{method="GET"}``.

@load base/misc/version
@load ./types
@load ./options

module Telemetry;

export {
	## Label values, in the order of the family's label names.
	type labels_vector: vector of string;

	## A counter family; get its counters with ``counter_with``.
	type CounterFamily: record {
		__family: opaque of counter_metric_family;
		__labels: vector of string;
	};

	## One counter (one combination of label values).  Counters only go up.
	type Counter: record {
		__metric: opaque of counter_metric;
	};

	## Creates (or finds, by full name) a counter family.
	global register_counter_family: function(opts: MetricOpts): CounterFamily;

	## The counter of ``cf`` for ``label_values`` (created on first use).
	global counter_with: function(cf: CounterFamily,
	                              label_values: labels_vector &default=vector()): Counter;

	## Adds ``amount`` (not negative) to ``c``.
	global counter_inc: function(c: Counter, amount: double &default=1.0): bool;

	## Sets ``c`` to ``value``; a value below the current one is an error.
	global counter_set: function(c: Counter, value: double): bool;

	## ``counter_inc(counter_with(cf, label_values), amount)``.
	global counter_family_inc: function(cf: CounterFamily,
	                                    label_values: labels_vector &default=vector(),
	                                    amount: double &default=1.0): bool;

	## ``counter_set(counter_with(cf, label_values), value)``.
	global counter_family_set: function(cf: CounterFamily,
	                                    label_values: labels_vector,
	                                    value: double): bool;

	## A gauge family; get its gauges with ``gauge_with``.
	type GaugeFamily: record {
		__family: opaque of gauge_metric_family;
		__labels: vector of string;
	};

	## One gauge (one combination of label values).
	type Gauge: record {
		__metric: opaque of gauge_metric;
	};

	## Creates (or finds, by full name) a gauge family.
	global register_gauge_family: function(opts: MetricOpts): GaugeFamily;

	## The gauge of ``gf`` for ``label_values`` (created on first use).
	global gauge_with: function(gf: GaugeFamily,
	                            label_values: labels_vector &default=vector()): Gauge;

	## Adds ``amount`` to ``g``.
	global gauge_inc: function(g: Gauge, amount: double &default=1.0): bool;

	## Subtracts ``amount`` from ``g``.
	global gauge_dec: function(g: Gauge, amount: double &default=1.0): bool;

	## Sets ``g`` to ``value``.
	global gauge_set: function(g: Gauge, value: double): bool;

	## ``gauge_inc(gauge_with(gf, label_values), amount)``.
	global gauge_family_inc: function(gf: GaugeFamily,
	                                  label_values: labels_vector &default=vector(),
	                                  amount: double &default=1.0): bool;

	## ``gauge_dec(gauge_with(gf, label_values), amount)``.
	global gauge_family_dec: function(gf: GaugeFamily,
	                                  label_values: labels_vector &default=vector(),
	                                  amount: double &default=1.0): bool;

	## ``gauge_set(gauge_with(gf, label_values), value)``.
	global gauge_family_set: function(gf: GaugeFamily,
	                                  label_values: labels_vector,
	                                  value: double): bool;

	## A histogram family (``$bounds`` of the options: the buckets' upper bounds).
	type HistogramFamily: record {
		__family: opaque of histogram_metric_family;
		__labels: vector of string;
	};

	## One histogram (one combination of label values).
	type Histogram: record {
		__metric: opaque of histogram_metric;
	};

	## Creates (or finds, by full name) a histogram family.
	global register_histogram_family: function(opts: MetricOpts): HistogramFamily;

	## The histogram of ``hf`` for ``label_values`` (created on first use).
	global histogram_with: function(hf: HistogramFamily,
	                                label_values: labels_vector &default=vector()): Histogram;

	## Counts ``measurement`` in the first bucket whose bound is not below it.
	global histogram_observe: function(h: Histogram, measurement: double): bool;

	## ``histogram_observe(histogram_with(hf, label_values), measurement)``.
	global histogram_family_observe: function(hf: HistogramFamily,
	                                          label_values: labels_vector,
	                                          measurement: double): bool;

	## Counters and gauges whose full name matches the glob ``<prefix>_<name>*``
	## (runs ``Telemetry::sync`` first).  Histograms: ``collect_histogram_metrics``.
	global collect_metrics: function(prefix: string &default="*",
	                                 name: string &default="*"): vector of Metric;

	## Histograms whose full name matches the glob ``<prefix>_<name>*``.
	global collect_histogram_metrics: function(prefix: string &default="*",
	                                           name: string &default="*"): vector of HistogramMetric;
}

## Label names and values as the table the built-in functions take.
function make_labels(keys: vector of string, values: labels_vector): table[string] of string
	{
	local labels: table[string] of string;
	for ( i in keys )
		labels[keys[i]] = values[i];

	return labels;
	}

function register_counter_family(opts: MetricOpts): CounterFamily
	{
	local f = Telemetry::__counter_family(opts$prefix, opts$name, opts$label_names,
	    opts?$help_text ? opts$help_text : "Zeek Script Metric",
	    opts?$unit ? opts$unit : "");
	return CounterFamily($__family=f, $__labels=opts$label_names);
	}

# Handed out when label values do not match the family's label names.
global error_counter_cf = register_counter_family(MetricOpts(
	$prefix="zeek",
	$name="telemetry_counter_usage_error",
	$unit="",
	$help_text="Counters handed out after wrong label usage; see the reporter output if non-zero."
));

function counter_with(cf: CounterFamily, label_values: labels_vector): Counter
	{
	if ( |cf$__labels| != |label_values| )
		{
		Reporter::error(fmt("Invalid label values expected %s, have %s", |cf$__labels|, |label_values|));
		return counter_with(error_counter_cf);
		}

	local m = Telemetry::__counter_metric_get_or_add(cf$__family, make_labels(cf$__labels, label_values));
	return Counter($__metric=m);
	}

function counter_inc(c: Counter, amount: double): bool
	{
	return Telemetry::__counter_inc(c$__metric, amount);
	}

function counter_set(c: Counter, value: double): bool
	{
	local cur = Telemetry::__counter_value(c$__metric);
	if ( value < cur )
		{
		Reporter::error(fmt("Attempted to set lower counter value=%s cur_value=%s", value, cur));
		return F;
		}
	return Telemetry::__counter_inc(c$__metric, value - cur);
	}

function counter_family_inc(cf: CounterFamily, label_values: labels_vector, amount: double): bool
	{
	return counter_inc(counter_with(cf, label_values), amount);
	}

function counter_family_set(cf: CounterFamily, label_values: labels_vector, value: double): bool
	{
	return counter_set(counter_with(cf, label_values), value);
	}

function register_gauge_family(opts: MetricOpts): GaugeFamily
	{
	local f = Telemetry::__gauge_family(opts$prefix, opts$name, opts$label_names,
	    opts?$help_text ? opts$help_text : "Zeek Script Metric",
	    opts?$unit ? opts$unit : "");
	return GaugeFamily($__family=f, $__labels=opts$label_names);
	}

# Handed out when label values do not match the family's label names.
global error_gauge_cf = register_gauge_family(MetricOpts(
	$prefix="zeek",
	$name="telemetry_gauge_usage_error",
	$unit="",
	$help_text="Gauges handed out after wrong label usage; see the reporter output if non-zero."
));

function gauge_with(gf: GaugeFamily, label_values: labels_vector): Gauge
	{
	if ( |gf$__labels| != |label_values| )
		{
		Reporter::error(fmt("Invalid label values expected %s, have %s", |gf$__labels|, |label_values|));
		return gauge_with(error_gauge_cf);
		}

	local m = Telemetry::__gauge_metric_get_or_add(gf$__family, make_labels(gf$__labels, label_values));
	return Gauge($__metric=m);
	}

function gauge_inc(g: Gauge, amount: double): bool
	{
	return Telemetry::__gauge_inc(g$__metric, amount);
	}

function gauge_dec(g: Gauge, amount: double): bool
	{
	return Telemetry::__gauge_dec(g$__metric, amount);
	}

function gauge_set(g: Gauge, value: double): bool
	{
	local cur = Telemetry::__gauge_value(g$__metric);
	if ( value > cur )
		return Telemetry::__gauge_inc(g$__metric, value - cur);

	return Telemetry::__gauge_dec(g$__metric, cur - value);
	}

function gauge_family_inc(gf: GaugeFamily, label_values: labels_vector, amount: double): bool
	{
	return gauge_inc(gauge_with(gf, label_values), amount);
	}

function gauge_family_dec(gf: GaugeFamily, label_values: labels_vector, amount: double): bool
	{
	return gauge_dec(gauge_with(gf, label_values), amount);
	}

function gauge_family_set(gf: GaugeFamily, label_values: labels_vector, value: double): bool
	{
	return gauge_set(gauge_with(gf, label_values), value);
	}

function register_histogram_family(opts: MetricOpts): HistogramFamily
	{
	local bounds: vector of double = opts?$bounds ? opts$bounds : vector();
	local f = Telemetry::__histogram_family(opts$prefix, opts$name, opts$label_names, bounds,
	    opts?$help_text ? opts$help_text : "Zeek Script Metric",
	    opts?$unit ? opts$unit : "");
	return HistogramFamily($__family=f, $__labels=opts$label_names);
	}

# Handed out when label values do not match the family's label names.
global error_histogram_hf = register_histogram_family(MetricOpts(
	$prefix="zeek",
	$name="telemetry_histogram_usage_error",
	$unit="",
	$help_text="Histograms handed out after wrong label usage; see the reporter output if non-zero.",
	$bounds=vector(1.0)
));

function histogram_with(hf: HistogramFamily, label_values: labels_vector): Histogram
	{
	if ( |hf$__labels| != |label_values| )
		{
		Reporter::error(fmt("Invalid label values expected %s, have %s", |hf$__labels|, |label_values|));
		return histogram_with(error_histogram_hf);
		}

	local m = Telemetry::__histogram_metric_get_or_add(hf$__family, make_labels(hf$__labels, label_values));
	return Histogram($__metric=m);
	}

function histogram_observe(h: Histogram, measurement: double): bool
	{
	return Telemetry::__histogram_observe(h$__metric, measurement);
	}

function histogram_family_observe(hf: HistogramFamily, label_values: labels_vector,
                                  measurement: double): bool
	{
	return histogram_observe(histogram_with(hf, label_values), measurement);
	}

function collect_metrics(prefix: string, name: string): vector of Metric
	{
	return Telemetry::__collect_metrics(prefix, name);
	}

function collect_histogram_metrics(prefix: string, name: string): vector of HistogramMetric
	{
	return Telemetry::__collect_histogram_metrics(prefix, name);
	}

# The running version as an info-style gauge (value 1, the version in the labels).
global version_gauge_family = register_gauge_family(MetricOpts(
	$prefix="zeek",
	$name="version_info",
	$unit="",
	$help_text="The Zeek version",
	$label_names=vector("version_number", "major", "minor", "patch", "commit",
	                    "beta", "debug", "version_string")
));

event zeek_init()
	{
	if ( getenv("ZEEKCTL_CHECK_CONFIG") == "" && port_to_count(metrics_port) != 0 )
		{
		# Unset: in a cluster the node's own address from the layout (so the
		# manager's /services.json names addresses that answer), else 127.0.0.1.
		local listen_addr = |metrics_address| > 0 ? metrics_address : "127.0.0.1";
		if ( |metrics_address| == 0 && Cluster::node in Cluster::nodes )
			listen_addr = cat(Cluster::nodes[Cluster::node]$ip);
		listen_prometheus(listen_addr, metrics_port, Cluster::local_node_type() == Cluster::MANAGER);
		}

	local v = Version::info;
	local labels = vector(cat(v$version_number), cat(v$major), cat(v$minor), cat(v$patch),
	                      cat(v$commit), v$beta ? "true" : "false", v$debug ? "true" : "false",
	                      v$version_string);
	gauge_family_set(version_gauge_family, labels, 1.0);
	}
