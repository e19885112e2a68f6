##! Benchmark 4: raise events from a loop and dispatch each to three handlers
##! that do a little work on globals.  Baseline: ``bench/baselines.py``
##! (``events_raise`` / ``events_drain``).

global bench_ev: event(i: count);

global bench_c1 = 0;
global bench_c2 = 0;
global bench_c3 = 0;

event bench_ev(i: count)
	{
	++bench_c1;
	}

event bench_ev(i: count)
	{
	bench_c2 += i;
	}

event bench_ev(i: count)
	{
	if ( i % 2 == 0 )
		++bench_c3;
	}

## Queues ``n`` events; they run when the host drains its event queue.
function bench_raise(n: count)
	{
	local i = 0;
	while ( i < n )
		{
		event bench_ev(i);
		++i;
		}
	}
