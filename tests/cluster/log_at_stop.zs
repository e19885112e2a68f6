# Logging up to the very end; used by tests/test_supervisor.py.
#
# Every node writes rows to the "stop" stream steadily (one every 20 ms,
# phase "run") and 50 rows in zeek_done (phase "done"); each row names its
# node and a number.  Everything ends up in the logger's stop.log.  Each node
# prints "logged N" in zeek_done, the number of "run" rows it wrote.

module Stop;

export {
	redef enum Log::ID += { LOG };

	type Info: record {
		node: string &log;
		phase: string &log;
		n: count &log;
	};
}

global written = 0;

event tick()
	{
	Log::write(LOG, Info($node=Cluster::node, $phase="run", $n=written));
	++written;
	schedule 20 msec { tick() };
	}

event zeek_init()
	{
	Log::create_stream(LOG, Log::Stream($columns=Info, $path="stop"));
	event tick();
	}

event zeek_done()
	{
	local i = 0;
	while ( i < 50 )
		{
		Log::write(LOG, Info($node=Cluster::node, $phase="done", $n=i));
		++i;
		}
	print fmt("logged %d", written);
	}
