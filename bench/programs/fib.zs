##! Benchmark 1: naive recursive Fibonacci with ``count`` arithmetic.
##! Baseline: ``bench/baselines.py:fib``.

function bench_fib(n: count): count
	{
	if ( n < 2 )
		return n;
	return bench_fib(n - 1) + bench_fib(n - 2);
	}
