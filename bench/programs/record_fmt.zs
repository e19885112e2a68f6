##! Benchmark 3: record field access and ``fmt`` in a loop, accumulating the
##! lengths of the formatted strings.  Baseline: ``bench/baselines.py:record_fmt``.

type BenchRec: record {
	name: string;
	n: count;
};

function bench_record_fmt(iterations: count): count
	{
	local r = BenchRec($name="host.example", $n=4242);
	local total = 0;
	local i = 0;
	while ( i < iterations )
		{
		total += |fmt("%s:%d", r$name, r$n)|;
		++i;
		}
	return total;
	}
