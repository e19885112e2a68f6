"""``&backend`` tables at scale on a real cluster: writes on a worker, as ratios, in one run.

Usage::

    python bench/backend_bench.py                  # 100k keys, MEMORY and SQLITE, 3 reps
    python bench/backend_bench.py --keys 1000000   # 1M keys
    python bench/backend_bench.py --quick          # small sizes, one repetition (smoke test)

What is measured
----------------
A layout with ``manager`` and ``worker-1`` (and ``worker-2``, started late),
each a ``zscript run NODE`` process on 127.0.0.1 with ports chosen free at
run time, as ``bench/cluster_bench.py`` starts its nodes.  The manager holds
the master of ``global t: table[count] of count &backend=Broker::<KIND>``,
the workers hold clones.  Once worker-1 has seen the manager come up:

1. ``write cost``: worker-1 writes N keys into a local table, then the
   same N keys into ``t`` (one handler each).  Each time runs from just
   before the loop to the start of an event queued at its end, so the work
   the store defers to the end of the handler (encoding, sending) counts.
   Ratio: ``&backend`` time / local time (target <= 3x).
2. ``to master``: the manager polls ``|t|`` every 5 ms; the rate is
   N / (time the manager saw N keys - time worker-1 began writing).  The
   baseline is the cluster's event rate in the same run: worker-1 then
   publishes ``min(N, 100k)`` events to the manager with ``Cluster::publish``
   and the manager counts them (rate = received / (last receipt - first
   send)).  Ratio: store rate / event rate (target >= 50%).
3. ``late clone``: worker-2 starts once the master has N keys; from its
   ``zeek_init`` it polls ``|t|`` every 5 ms until it holds N keys.  Value:
   seconds per 100k keys (target <= 2 s).  This part excludes process
   start-up (about 0.5 s), which every node pays anyway.

Both copies are then compared: worker-1 and worker-2 print a checksum of
their table, which must equal the manager's (else the run is an error).
All nodes set ``Cluster::Backend::ZeroMQ::xpub_sndhwm = 0`` as
``cluster_bench.py`` does, so the event baseline loses nothing.

Every repetition runs the kinds in turn; the table shows medians.  Every
process the bench starts is stopped when it ends, also on errors.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from cluster_bench import (  # noqa: E402 - bench/ is on the path now
    Procs,
    child_env,
    lines_with,
    load,
    tail,
    zscript_cluster,
    zscript_cmd,
)
from report import Report, add_json_argument  # noqa: E402

SCRIPT = """
module Bench;
export {
    const n_keys: count = 1000 &redef;
    const n_events: count = 1000 &redef;
    global ev: event(c: count);
    global events_done: event(n: count);
    global go_events: event();
    global after_local: event(t0: double);
    global after_store: event(t0: double);
    global poll: event();
}
redef Cluster::Backend::ZeroMQ::xpub_sndhwm = 0;

global t: table[count] of count &backend=Broker::@KIND@;
global local_t: table[count] of count;

function now(): double
    {
    return time_to_double(current_time());
    }

function checksum(): count
    {
    local s = 0;
    for ( k, v in t )
        s += (k * 7 + v) % 1000003;
    return s;
    }

@if ( Cluster::local_node_type() == Cluster::MANAGER )
global reached = F;
global received = 0;
global first = 0.0;
global last = 0.0;

event zeek_init()
    {
    schedule 5msec { Bench::poll() };
    }

event Bench::poll()
    {
    if ( ! reached && |t| >= n_keys )
        {
        reached = T;
        print fmt("REACHED %.6f %d %d", now(), |t|, checksum());
        Cluster::publish(Cluster::worker_topic, Bench::go_events);
        return;
        }
    schedule 5msec { Bench::poll() };
    }

event Bench::ev(c: count)
    {
    if ( received == 0 )
        first = now();
    ++received;
    last = now();
    }

event Bench::events_done(n: count)
    {
    print fmt("EVENTS %d %.6f %.6f", received, first, last);
    }
@else
event Cluster::node_up(name: string, id: string)
    {
    if ( name != "manager" || Cluster::node != "worker-1" )
        return;
    local t0 = now();
    local i = 0;
    while ( i < n_keys )
        {
        local_t[i] = i;
        ++i;
        }
    event Bench::after_local(t0);
    }

event Bench::after_local(t0: double)
    {
    print fmt("LOCAL %.6f", now() - t0);
    local t1 = now();
    print fmt("STORE_START %.6f", t1);
    local i = 0;
    while ( i < n_keys )
        {
        t[i] = i;
        ++i;
        }
    event Bench::after_store(t1);
    }

event Bench::after_store(t0: double)
    {
    print fmt("STORE %.6f", now() - t0);
    }

event Bench::go_events()
    {
    print fmt("EVENTS_START %.6f", now());
    local i = 0;
    while ( i < n_events )
        {
        Cluster::publish(Cluster::manager_topic, Bench::ev, i);
        ++i;
        }
    Cluster::publish(Cluster::manager_topic, Bench::events_done, n_events);
    }

global t_init = 0.0;

event zeek_init()
    {
    t_init = now();
    if ( Cluster::node == "worker-2" )
        schedule 5msec { Bench::poll() };
    }

event Bench::poll()
    {
    if ( |t| >= n_keys )
        {
        print fmt("SYNCED %.6f %d %d", now() - t_init, |t|, checksum());
        return;
        }
    schedule 5msec { Bench::poll() };
    }
@endif
"""


def wait_line(path: Path, tag: str, timeout: float, procs: dict) -> list[str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = lines_with(path, tag) if path.exists() else []
        if found:
            return found[0]
        for name, p in procs.items():
            if p.poll() is not None:
                raise RuntimeError(f"{name} exited early:\n{tail(path.parent / f'{name}.out')}")
        time.sleep(0.05)
    raise RuntimeError(f"no {tag} line within {timeout:.0f}s:\n{tail(path)}")


#: Set by ``--keep DIR``: the nodes' files are kept there (the last run's).
KEEP: str | None = None


def one_run(kind: str, n: int, timeout: float) -> dict[str, float]:
    nodes = {"manager": "manager", "worker-1": "worker", "worker-2": "worker"}
    procs = Procs()
    with tempfile.TemporaryDirectory(prefix="zscript-backend-bench-") as d:
        tmp = Path(KEEP or d)
        tmp.mkdir(parents=True, exist_ok=True)
        layout = zscript_cluster(tmp, nodes)
        script = tmp / "bench.zs"
        n_events = min(n, 100_000)
        script.write_text(
            SCRIPT.replace("@KIND@", kind)
            + f"\nredef Bench::n_keys = {n};\nredef Bench::n_events = {n_events};\n"
        )
        env = child_env({"ZSCRIPT_CLUSTER_RUN_DIR": str(tmp)})

        def start(node: str):
            cmd = [*zscript_cmd(node), node, str(script), "--layout", str(layout)]
            return procs.start(cmd, tmp / f"{node}.out", tmp, env)

        try:
            ps = {"manager": start("manager"), "worker-1": start("worker-1")}
            mgr = tmp / "manager.out"
            w1 = tmp / "worker-1.out"
            reached_at, size, master_sum = wait_line(mgr, "REACHED", timeout, ps)
            ps["worker-2"] = start("worker-2")
            synced, size2, sum2 = wait_line(tmp / "worker-2.out", "SYNCED", timeout, ps)
            received, first, last = wait_line(mgr, "EVENTS", timeout, ps)
            (local,) = wait_line(w1, "LOCAL", timeout, ps)
            (store,) = wait_line(w1, "STORE", timeout, ps)
            (store_start,) = wait_line(w1, "STORE_START", timeout, ps)
            (events_start,) = wait_line(w1, "EVENTS_START", timeout, ps)
            if sum2 != master_sum or int(size2) != n or int(size) != n:
                raise RuntimeError(f"late clone differs: {size2}/{sum2} vs {size}/{master_sum}")
        finally:
            procs.stop_all()
    return {
        "write_ratio": float(store) / float(local),
        "local_s": float(local),
        "store_s": float(store),
        "to_master": n / (float(reached_at) - float(store_start)),
        "event_rate": int(received) / (float(last) - float(events_start)),
        "events_lost": n_events - int(received),
        "late_clone_s": float(synced),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes, one repetition (smoke test)")
    ap.add_argument("--keys", type=int, help="keys written per run (default 100k)")
    ap.add_argument("--reps", type=int, help="repetitions (median reported)")
    ap.add_argument("--kinds", default="MEMORY,SQLITE", help="comma-separated Broker:: backends")
    ap.add_argument(
        "--profile", metavar="DIR", help="run the zscript nodes under cProfile (DIR/<node>.prof)"
    )
    ap.add_argument("--keep", metavar="DIR", help="keep the nodes' output files in DIR")
    add_json_argument(ap)
    args = ap.parse_args(argv)
    if args.keep:
        global KEEP
        KEEP = args.keep
    if args.profile:
        import cluster_bench

        cluster_bench.PROFILE_DIR = Path(args.profile).resolve()
        cluster_bench.PROFILE_DIR.mkdir(parents=True, exist_ok=True)
    n = args.keys or (2000 if args.quick else 100_000)
    reps = args.reps or (1 if args.quick else 3)
    timeout = 60 + n / 2000
    kinds = [k.strip().upper() for k in args.kinds.split(",") if k.strip()]
    print(
        f"zscript &backend bench{' (quick)' if args.quick else ''}: {n} keys, Python"
        f" {platform.python_version()}, {os.cpu_count()} cores, {reps} repetitions, medians;"
        f" load average before: {load()}"
    )
    report = Report()
    failed = False
    print(
        f"{'kind':<7} {'write/local':>11} {'to master/s':>12} {'events/s':>10} {'ratio':>6}"
        f" {'late clone':>11} {'per 100k':>9}"
    )
    for kind in kinds:
        runs = []
        try:
            for _ in range(reps):
                runs.append(one_run(kind, n, timeout))
        except Exception as exc:  # noqa: BLE001 - reported, exit status 1
            print(f"{kind:<7} ERROR: {type(exc).__name__}: {exc}")
            failed = True
            continue

        def med(key: str, runs=runs) -> float:
            return statistics.median(r[key] for r in runs)

        wr, tm, er, lc = (
            med("write_ratio"),
            med("to_master"),
            med("event_rate"),
            med("late_clone_s"),
        )
        per100k = lc / (n / 100_000)
        print(
            f"{kind:<7} {wr:>10.1f}x {tm:>12,.0f} {er:>10,.0f} {tm / er:>6.0%}"
            f" {lc:>10.2f}s {per100k:>8.2f}s"
        )
        k = kind.lower()
        report.add(f"{k}_write", med("store_s") / n, "s/write", wr, target=3.0, keys=n)
        report.add(f"{k}_to_master", tm, "keys/s", tm / er, baseline=er, target=0.5, keys=n)
        report.add(f"{k}_late_clone", per100k, "s/100k keys", None, target=2.0, keys=n)
    print("targets: write/local <= 3x, to master >= 50% of events/s, late clone <= 2 s per 100k")
    print(f"load average after: {load()}")
    report.write(args.json)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
