# A standalone process that stays up until SIGTERM, for tests/test_telemetry.py.
#
# The test sets Telemetry::metrics_port with -e (or not).  "ready" is printed
# in zeek_init, then "tick <n>" every 0.1 s from inside the event loop, so a
# tick proves the loop (and the metrics server, if any) has started.  A
# Telemetry::sync handler mirrors the tick count into a gauge.

@load base/frameworks/telemetry

redef exit_only_after_terminate = T;

global ticks = 0;

global ticks_gf = Telemetry::register_gauge_family([
	$prefix="test",
	$name="ticks",
	$unit="",
	$help_text="Ticks so far (set in Telemetry::sync)"
]);

global tick: event();

event tick()
	{
	++ticks;
	print fmt("tick %d", ticks);
	schedule 0.1sec { tick() };
	}

event zeek_init()
	{
	print "ready";
	event tick();
	}

hook Telemetry::sync()
	{
	Telemetry::gauge_family_set(ticks_gf, vector(), ticks);
	}
