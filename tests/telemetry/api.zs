# The Telemetry script API in one process (tests/test_telemetry.py compares
# the output).  Mirrors what Zeek's telemetry btests print.

@load base/frameworks/telemetry

global req_cf = Telemetry::register_counter_family([
	$prefix="btest",
	$name="requests",
	$unit="",
	$help_text="Requests by method",
	$label_names=vector("method", "status-code")
]);

global temp_gf = Telemetry::register_gauge_family([
	$prefix="system",
	$name="sensor_temperature",
	$unit="celsius",
	$help_text="Temperatures",
	$label_names=vector("name")
]);

global size_hf = Telemetry::register_histogram_family([
	$prefix="btest",
	$name="size",
	$unit="bytes",
	$help_text="Sizes",
	$bounds=vector(10.0, 100.0),
	$label_names=vector("dir")
]);

global ev: event(i: count);
global work: event();

event ev(i: count)
	{
	}

# Runs after initialisation: the errors below are not fatal then.
event work()
	{
	local i = 0;
	while ( i < 5 )
		{
		event ev(i);
		++i;
		}

	Telemetry::counter_family_inc(req_cf, vector("GET", "200"));
	Telemetry::counter_family_inc(req_cf, vector("GET", "200"), 2.0);
	local post = Telemetry::counter_with(req_cf, vector("POST", "500"));
	Telemetry::counter_inc(post);
	local lower = Telemetry::counter_set(post, 0.5);
	print "set lower", lower;
	Telemetry::counter_set(post, 4.0);
	# Wrong number of label values: an error, counted on the usage-error counter.
	Telemetry::counter_family_inc(req_cf, vector("GET"));

	Telemetry::gauge_family_set(temp_gf, vector("cpu"), 40.0);
	Telemetry::gauge_family_inc(temp_gf, vector("cpu"), 2.5);
	Telemetry::gauge_family_dec(temp_gf, vector("gpu"));

	Telemetry::histogram_family_observe(size_hf, vector("in"), 5.0);
	Telemetry::histogram_family_observe(size_hf, vector("in"), 50.0);
	Telemetry::histogram_family_observe(size_hf, vector("in"), 500.0);
	}

event zeek_init()
	{
	schedule 1sec { work() };
	}

event zeek_done()
	{
	for ( _, m in Telemetry::collect_metrics("btest") )
		print m$opts$metric_type, m$opts$name, m$label_names, m$label_values, m$value;
	for ( _, m in Telemetry::collect_metrics("system") )
		print m$opts$metric_type, m$opts$name, m$label_names, m$label_values, m$value;
	for ( _, m in Telemetry::collect_metrics("zeek", "telemetry_*") )
		print m$opts$name, m$value;
	for ( _, m in Telemetry::collect_metrics("zeek", "event_handler_invocations") )
		print m$opts$prefix, m$opts$name, m$label_values, m$value;
	for ( _, h in Telemetry::collect_histogram_metrics("btest") )
		print h$opts$name, h$opts$bounds, h$label_values, h$values, h$observations, h$sum;
	}
