##! Benchmark 2: sum the values of a ``table[count] of count`` several times
##! with ``for ( k, v in t )``.  Baseline: ``bench/baselines.py:table_sum``.

## Builds the table (not timed): t[i] = 2 * i for i in [0, n).
function bench_make_table(n: count): table[count] of count
	{
	local t: table[count] of count = table();
	local i = 0;
	while ( i < n )
		{
		t[i] = 2 * i;
		++i;
		}
	return t;
	}

function bench_table_sum(t: table[count] of count, reps: count): count
	{
	local total = 0;
	local r = 0;
	while ( r < reps )
		{
		for ( k, v in t )
			total += v;
		++r;
		}
	return total;
	}
