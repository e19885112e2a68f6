"""SumStats on a cluster: observations/s on 2 workers with the manager merging,
against the same observations counted in a plain table on one process.

Usage::

    python bench/sumstats_bench.py                 # 200k observations, 1000 keys, 3 reps
    python bench/sumstats_bench.py --quick         # small sizes, one repetition
    python bench/sumstats_bench.py --json out.json # also the figures as JSON rows

What is measured (rates: observations per second, higher is better)
--------------------------------------------------------------------
* ``plain_table``: one ``zscript run standalone`` process counts N
  observations over K string keys in a ``table[string] of count`` (the
  baseline: what a script does without SumStats).
* ``sumstats_local``: the same N observations through ``SumStats::observe``
  (a SUM reducer) in one process, ended with ``SumStats::next_epoch``: the
  framework's own cost (a single process hands ``$epoch_result`` 50 keys
  per 10 ms, as Zeek does, so K keys add K/5 ms).
* ``sumstats_cluster``: a manager and two workers (a layout with free ports
  on 127.0.0.1).  Once both workers are up the manager takes the time and
  publishes ``go``; each worker observes N/2 (so N in all) and reports
  ``done``; the manager then ends the epoch (``next_epoch``), which collects
  and merges the workers' results, and takes the time again in
  ``$epoch_finished``.  So the figure includes the messages and the merge.

Each rate is timed inside the scripts (``current_time()`` around the work,
not process start-up).  Every run checks its total (N) and key count (K).
The table shows medians over the repetitions and each rate's ratio to
``plain_table`` measured in the same run.  Every process the bench starts
is stopped when it ends, also on errors.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

from cluster_bench import Procs, child_env, start_nodes, tail, wait_exit, zscript_cluster
from report import Report, add_json_argument

PLAIN = """
global counts: table[string] of count &default=0;

event zeek_init()
	{
	local start = current_time();
	local i = 0;
	while ( i < N )
		{
		++counts[cat(i % K)];
		++i;
		}
	local total = 0;
	for ( _, c in counts )
		total += c;
	print fmt("RESULT %.6f %d %d", current_time() - start, total, |counts|);
	}
"""

SUMSTATS_DECL = """
@load base/frameworks/sumstats

module SB;

export {
	global go: event();
	global done: event(node: string);
	global stop: event();
}

global start: time;
global total = 0.0;
global keys = 0;
global workers_done = 0;

function observe_n(n: count, offset: count)
	{
	local i = 0;
	while ( i < n )
		{
		SumStats::observe("obs", [$str=cat((i + offset) % K)], [$num=1]);
		++i;
		}
	}

event zeek_init()
	{
	SumStats::create([$name="count", $epoch=0secs,
		$reducers=set(SumStats::Reducer($stream="obs", $apply=set(SumStats::SUM))),
		$epoch_result(ts: time, key: SumStats::Key, result: SumStats::Result) =
			{
			total += result["obs"]$sum;
			++keys;
			},
		$epoch_finished(ts: time) =
			{
			if ( total == 0.0 )
				return;
			print fmt("RESULT %.6f %.0f %d", current_time() - start, total, keys);
			event SB::stop();
			}]);
	}
"""

SUMSTATS_LOCAL = """
redef exit_only_after_terminate = T;

event zeek_init() &priority=-10
	{
	start = current_time();
	observe_n(N, 0);
	SumStats::next_epoch("count");
	}

event SB::stop()
	{
	terminate();
	}
"""

SUMSTATS_CLUSTER = """
event SB::stop()
	{
	if ( Cluster::local_node_type() == Cluster::MANAGER )
		Cluster::publish(Cluster::worker_topic, SB::stop);
	terminate();
	}

@if ( Cluster::local_node_type() == Cluster::MANAGER )
global up: set[string];

event Cluster::node_up(name: string, id: string)
	{
	add up[name];
	if ( |up| < 2 )
		return;
	start = current_time();
	Cluster::publish(Cluster::worker_topic, SB::go);
	}

event SB::done(node: string)
	{
	if ( ++workers_done == 2 )
		SumStats::next_epoch("count");
	}
@else
event SB::go()
	{
	# worker-1 observes the even, worker-2 the odd numbers.
	observe_n(N / 2, Cluster::node == "worker-1" ? 0 : 1);
	Cluster::publish(Cluster::manager_topic, SB::done, Cluster::node);
	}
@endif
"""


def script(body: str, n: int, k: int) -> str:
    return f"const N = {n};\nconst K = {k};\n" + body


def parse(out: Path, n: int, k: int, what: str) -> float:
    """The seconds a run reported, after checking its total and key count."""
    for line in out.read_text(errors="replace").splitlines():
        if line.startswith("RESULT "):
            _, secs, total, keys = line.split()
            if int(float(total)) != n or int(keys) != k:
                raise RuntimeError(f"{what}: counted {total} in {keys} keys, not {n} in {k}")
            return float(secs)
    raise RuntimeError(f"{what}: no result:\n{tail(out)}")


def run_standalone(tmp: Path, name: str, text: str, n: int, k: int, timeout: float) -> float:
    path = tmp / f"{name}.zs"
    path.write_text(text)
    out = tmp / f"{name}.out"
    procs = Procs()
    try:
        p = procs.start(
            [sys.executable, "-m", "zscript", "run", "--bare", "standalone", str(path)],
            out,
            tmp,
            child_env(),
        )
        wait_exit(p, timeout, name, out)
    finally:
        procs.stop_all()
    return parse(out, n, k, name)


def run_cluster(tmp: Path, n: int, k: int, timeout: float) -> float:
    nodes = {"manager": "manager", "worker-1": "worker", "worker-2": "worker"}
    path = tmp / "cluster.zs"
    path.write_text(script(SUMSTATS_DECL + SUMSTATS_CLUSTER, n, k))
    layout = zscript_cluster(tmp, nodes)
    procs = Procs()
    try:
        ps = start_nodes(procs, nodes, path, layout, tmp, child_env())
        for node, p in ps.items():
            wait_exit(p, timeout, node, tmp / f"{node}.out")
    finally:
        procs.stop_all()
    return parse(tmp / "manager.out", n, k, "sumstats_cluster")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-n", type=int, default=200_000, help="observations per run (even)")
    ap.add_argument("-k", type=int, default=1000, help="distinct keys")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="20k observations, one repetition")
    ap.add_argument("--timeout", type=float, default=600)
    add_json_argument(ap)
    args = ap.parse_args(argv)
    if args.quick:
        args.n, args.reps = 20_000, 1
    n, k = args.n - args.n % 2, args.k

    secs: dict[str, list[float]] = {"plain_table": [], "sumstats_local": [], "sumstats_cluster": []}
    for rep in range(args.reps):
        with tempfile.TemporaryDirectory(prefix="sumstats-bench-") as d:
            tmp = Path(d)
            secs["plain_table"].append(
                run_standalone(tmp, "plain", script(PLAIN, n, k), n, k, args.timeout)
            )
            secs["sumstats_local"].append(
                run_standalone(
                    tmp, "local", script(SUMSTATS_DECL + SUMSTATS_LOCAL, n, k), n, k, args.timeout
                )
            )
            secs["sumstats_cluster"].append(run_cluster(tmp, n, k, args.timeout))
        print(f"rep {rep + 1}: " + "  ".join(f"{name} {v[-1]:.3f}s" for name, v in secs.items()))

    report = Report()
    base = n / statistics.median(secs["plain_table"])
    print(f"\n{n} observations over {k} keys, medians of {args.reps}")
    print(f"{'':18} {'obs/s':>12} {'ratio':>8}")
    for name, values in secs.items():
        rate = n / statistics.median(values)
        print(f"{name:18} {rate:12,.0f} {rate / base:7.2f}x")
        report.add(name, rate, "obs/s", rate / base)
    report.write(args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
