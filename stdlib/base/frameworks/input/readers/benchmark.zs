##! Options of the benchmark reader (``Input::READER_BENCHMARK``), which
##! generates lines of random values; the source is the number of lines.

module InputBenchmark;

export {
	## Multiplier of the number of lines on each heartbeat.
	const factor = 1.0 &redef;
	## Lines spread over a heartbeat interval (0: all at once).
	const spread = 0 &redef;
	## Spread derived from the number of lines (0.0: off).
	const autospread = 0.0 &redef;
	## Lines added on each heartbeat.
	const addfactor = 0 &redef;
	## Stop spreading beyond this many lines per second (0: never).
	const stopspreadat = 0 &redef;
	## Spread timed against the wall clock (0.0: off).
	const timedspread = 0.0 &redef;
}
