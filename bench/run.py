"""zscript benchmark suite: zscript vs plain Python doing the same work, in one run.

Usage::

    python bench/run.py            # full run (about 30 s on 2 idle cores)
    python bench/run.py --quick    # smaller sizes, fewer repetitions (smoke test)
    python bench/run.py --json out.json   # the table, and its figures as JSON rows

Benchmarks (programs in ``bench/programs/*.zs``, Python equivalents in
``bench/baselines.py``):

1. ``fib``: recursive ``bench_fib(25)`` with ``count`` arithmetic.
2. ``table_sum``: a 1000-entry ``table[count] of count`` summed 100 times
   with ``for ( k, v in t )``.
3. ``record_fmt``: 100k iterations of ``|fmt("%s:%d", r$name, r$n)|`` on a
   record, accumulating the lengths.
4. ``events_dispatch``: draining 100k queued events, each dispatched to 3
   handlers that update globals; ``events_total``: raising them from a
   zscript loop (``event bench_ev(i)``) *and* draining them.
5. ``startup``: wall time of the whole ``zscript run hello.zs`` process
   (default mode: ``base/init-default`` loaded) vs ``python -c pass`` (same
   interpreter); ``startup_bare`` the same with ``--bare`` (Zeek's ``-b``),
   ``startup_check`` and ``startup_check_bare`` for ``zscript check``;
   ``startup_cold`` is the first ``--bare`` start after an install, with
   empty caches (parsed scripts, compiled code, bytecode), for information.

How zscript is timed (benchmarks 1-4)
--------------------------------------
Parsing, checking and compiling are excluded: each program is loaded once
into ``zscript.host.Host(virtual_time=True, stdout=io.StringIO())`` with
``host.load_source(SourceFile(...))`` and ``host.finish_loading()`` (the
load time is printed for information).  A function is then found through
the checker (``host.checker.globals["bench_fib"].py_name``) and called
directly from ``host.ns``: that is exactly the Python function the compiler
generated, so the timed region contains only compiled script code and the
runtime it calls, just as the Python baseline contains only its function.

Events: ``bench_raise(n)`` (a zscript function whose loop runs
``event bench_ev(i)``) fills the host's event queue through the same path a
handler uses (``_z_event`` -> ``EventLoop.event`` -> ``EventQueue.push``).

* ``events_dispatch`` times only ``host.loop.drain_all()`` -- the real
  engine dispatch loop (popleft, per-handler ``try``, trigger processing)
  calling the 3 compiled handlers; the queue is filled before the timer
  starts.  Its baseline drains a ``deque`` of ``(handler tuple, args)``
  FIFO, calling 3 plain functions per entry, also pre-filled untimed.
* ``events_total`` times ``bench_raise(n)`` followed by ``drain_all()``,
  against a Python loop appending to the deque followed by the drain.
  This is the end-to-end cost without the (fixed) asyncio start-up of
  ``host.run()``.

Both sides' results are compared (fib value, sums, lengths, handler
counters); a mismatch is an error.

Measurement: every repetition runs zscript and Python alternately (order
swapped each time, to spread drift evenly), after one untimed warm-up of
each; like ``timeit``, the garbage collector is collected before and
disabled during each timed call.  The table shows the median of the
repetitions and the ratio of medians zscript/Python; ``min-r`` is the ratio
of the fastest samples (more robust when other processes compete for the 2
cores), ``spread`` is (max - min) / median of the zscript samples, a noise
indicator.

Start-up: the ``zscript`` console script next to ``sys.executable`` (else
``python -m zscript``) runs ``bench/programs/hello.zs``; each of >= 10 runs
is a fresh process timed around ``subprocess.run``, alternating with
``python -c pass``, after two warm-up runs of each.  The children get a
bytecode cache (``PYTHONPYCACHEPREFIX`` in the temp directory, and
``PYTHONDONTWRITEBYTECODE`` removed) so that the figure is that of an
installed zscript, not of recompiling every module at each start, and a
cache of parsed scripts of their own (``ZSCRIPT_CACHE_DIR``, filled by the
warm-up runs), as a user's second run has.  Target is absolute: <= 0.25 s
(wall, median).  The row also shows the median CPU seconds of the zscript
process (``cpu`` in the JSON row), which other processes on a busy machine
disturb less than its wall time.

Targets: ratio <= 3x on 1-4 (aiming at 1.5x); start-up <= 0.25 s.  The
``target`` column says ``ok`` or ``OVER``; the exit status is 0 unless a
benchmark failed or produced a wrong result (speed is never a failure).
"""

from __future__ import annotations

import argparse
import gc
import io
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import baselines as py
from report import Report, add_json_argument

from zscript.diagnostics import SourceFile
from zscript.host import Host

HERE = Path(__file__).resolve().parent
PROGRAMS = HERE / "programs"

RATIO_TARGET = 3.0
STARTUP_TARGET = 0.25


@dataclass
class Sizes:
    fib_n: int
    table_n: int
    table_reps: int
    fmt_iterations: int
    events: int
    reps: int
    startup_runs: int


FULL = Sizes(
    fib_n=25,
    table_n=1000,
    table_reps=100,
    fmt_iterations=100_000,
    events=100_000,
    reps=15,
    startup_runs=20,
)
QUICK = Sizes(
    fib_n=18,
    table_n=1000,
    table_reps=10,
    fmt_iterations=10_000,
    events=10_000,
    reps=3,
    startup_runs=3,
)


# ------------------------------------------------------------------ zscript


class ZProgram:
    """One program from ``bench/programs`` loaded into its own host."""

    def __init__(self, filename: str):
        path = PROGRAMS / filename
        t0 = time.perf_counter()
        self.host = Host(virtual_time=True, stdout=io.StringIO())
        t1 = time.perf_counter()
        self.host.load_source(SourceFile(str(path), path.read_text(encoding="utf-8")))
        self.host.finish_loading(warn_unhandled=False)
        t2 = time.perf_counter()
        #: Host construction (built-ins, init-bare.zs) and this program's own load time.
        self.host_time = t1 - t0
        self.load_time = t2 - t1

    def py_name(self, name: str) -> str:
        return self.host.checker.globals[name].py_name

    def fn(self, name: str) -> Callable:
        return self.host.ns[self.py_name(name)]

    def value(self, name: str):
        return self.host.ns[self.py_name(name)]


# --------------------------------------------------------------- benchmarks


@dataclass
class Side:
    """``setup()`` runs untimed before each timed ``run()``; ``run()`` returns a result to compare."""

    run: Callable[[], object]
    setup: Callable[[], None] = lambda: None


@dataclass
class Bench:
    key: str
    label: str
    zs: Side
    py: Side
    load_time: float = 0.0
    zs_times: list[float] = field(default_factory=list)
    py_times: list[float] = field(default_factory=list)
    #: Start-up: CPU seconds (user + system) of each zscript process.
    zs_cpu: list[float] = field(default_factory=list)
    error: str | None = None


def timed(side: Side) -> tuple[float, object]:
    side.setup()
    gc.collect()
    gc.disable()
    try:
        t0 = time.perf_counter()
        result = side.run()
        t1 = time.perf_counter()
    finally:
        gc.enable()
    return t1 - t0, result


def run_bench(b: Bench, reps: int) -> None:
    # Warm-up, and the correctness check.
    _, zr = timed(b.zs)
    _, pr = timed(b.py)
    if zr != pr:
        raise AssertionError(f"results differ: zscript {zr!r}, python {pr!r}")
    for i in range(reps):
        order = ((b.zs, b.zs_times), (b.py, b.py_times))
        if i % 2:
            order = order[::-1]
        for side, times in order:
            dt, _ = timed(side)
            times.append(dt)
    _, zr = timed(b.zs)
    _, pr = timed(b.py)
    if zr != pr:
        raise AssertionError(f"results differ after the runs: zscript {zr!r}, python {pr!r}")


def make_benches(s: Sizes) -> list[tuple[str, str, Callable[[], Bench]]]:
    def fib() -> Bench:
        p = ZProgram("fib.zs")
        zf = p.fn("bench_fib")
        n = s.fib_n
        b = Bench("fib", f"fib({n})", Side(lambda: zf(n)), Side(lambda: py.fib(n)))
        b.load_time = p.load_time
        return b

    def table_sum() -> Bench:
        p = ZProgram("table_sum.zs")
        zt = p.fn("bench_make_table")(s.table_n)
        zsum = p.fn("bench_table_sum")
        pt = py.make_table(s.table_n)
        reps = s.table_reps
        b = Bench(
            "table_sum",
            f"sum {s.table_n}-entry table x{reps}",
            Side(lambda: zsum(zt, reps)),
            Side(lambda: py.table_sum(pt, reps)),
        )
        b.load_time = p.load_time
        return b

    def record_fmt() -> Bench:
        p = ZProgram("record_fmt.zs")
        zf = p.fn("bench_record_fmt")
        n = s.fmt_iterations
        b = Bench(
            "record_fmt",
            f"record fields + fmt x{n // 1000}k",
            Side(lambda: zf(n)),
            Side(lambda: py.record_fmt(n)),
        )
        b.load_time = p.load_time
        return b

    # Both event benchmarks share one host; counters are cumulative and both
    # sides run the same number of events, so they stay equal.
    ev: dict[str, ZProgram] = {}

    def events_program() -> ZProgram:
        if "p" not in ev:
            ev["p"] = ZProgram("events.zs")
        return ev["p"]

    def counters_of(p: ZProgram) -> Callable[[], tuple]:
        names = [p.py_name(f"bench_c{i}") for i in (1, 2, 3)]
        ns = p.host.ns
        return lambda: tuple(ns[name] for name in names)

    def events_dispatch() -> Bench:
        p = events_program()
        zraise = p.fn("bench_raise")
        drain = p.host.loop.drain_all
        counters = counters_of(p)
        n = s.events

        def zs_run():
            drain()
            return counters()

        def py_run():
            py.events_drain()
            return py.events_counters()

        b = Bench(
            "events_dispatch",
            f"dispatch {n // 1000}k events x 3 handlers",
            Side(zs_run, lambda: zraise(n)),
            Side(py_run, lambda: py.events_raise(n)),
        )
        b.load_time = p.load_time
        return b

    def events_total() -> Bench:
        p = events_program()
        zraise = p.fn("bench_raise")
        drain = p.host.loop.drain_all
        counters = counters_of(p)
        n = s.events

        def zs_run():
            zraise(n)
            drain()
            return counters()

        def py_run():
            py.events_raise(n)
            py.events_drain()
            return py.events_counters()

        b = Bench(
            "events_total", f"raise + dispatch {n // 1000}k events", Side(zs_run), Side(py_run)
        )
        b.load_time = p.load_time
        return b

    return [
        ("1", "fib", fib),
        ("2", "table_sum", table_sum),
        ("3", "record_fmt", record_fmt),
        ("4", "events_dispatch", events_dispatch),
        ("4b", "events_total", events_total),
    ]


# ----------------------------------------------------------------- start-up


def zscript_command() -> list[str]:
    exe = Path(sys.executable).parent / ("zscript.exe" if os.name == "nt" else "zscript")
    if exe.exists():
        return [str(exe)]
    found = shutil.which("zscript")
    return [found] if found else [sys.executable, "-m", "zscript"]


def startup_env() -> dict[str, str]:
    """The environment of the start-up runs: with a (private) bytecode cache.

    A normal install has ``.pyc`` files for zscript; an environment with
    ``PYTHONDONTWRITEBYTECODE`` set (or a read-only tree) would recompile
    every module at each start.  The cache lives outside the repository.
    """
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.pop("ZSCRIPT_NO_CACHE", None)
    uid = os.getuid() if hasattr(os, "getuid") else "user"
    env["PYTHONPYCACHEPREFIX"] = os.path.join(tempfile.gettempdir(), f"zscript-bench-pycache-{uid}")
    env["ZSCRIPT_CACHE_DIR"] = os.path.join(tempfile.gettempdir(), f"zscript-bench-cache-{uid}")
    return env


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


#: CPU seconds of the last process :func:`wall` ran (less disturbed by other
#: processes on the machine than its wall time).
LAST_CPU = [0.0]


def wall(cmd: list[str], expect: str | None, env: dict[str, str]) -> float:
    c0 = _children_cpu()
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False, env=env)
    dt = time.perf_counter() - t0
    LAST_CPU[0] = _children_cpu() - c0
    if proc.returncode != 0 or (expect is not None and proc.stdout != expect):
        raise RuntimeError(
            f"{' '.join(cmd)} failed (status {proc.returncode}): {proc.stdout!r} {proc.stderr!r}"
        )
    return dt


#: The start-up benchmarks: key, label, zscript arguments before the script,
#: output.  ``startup_cold`` is the first start after an install: no cache of
#: parsed scripts, compiled code or bytecode yet (each run gets empty ones).
STARTUPS = [
    ("startup_cold", "start-up: first run --bare (no caches)", ["run", "--bare"], "hello, world\n"),
    ("startup", "start-up: zscript run hello", ["run"], "hello, world\n"),
    ("startup_bare", "start-up: zscript run --bare hello", ["run", "--bare"], "hello, world\n"),
    ("startup_check", "start-up: zscript check hello", ["check"], ""),
    ("startup_check_bare", "start-up: zscript check --bare hello", ["check", "--bare"], ""),
]


def cold_wall(cmd: list[str], expect: str | None, env: dict[str, str]) -> float:
    """:func:`wall` with every cache empty, as right after an install."""
    with tempfile.TemporaryDirectory(prefix="zscript-bench-cold-") as d:
        cold = dict(env, PYTHONPYCACHEPREFIX=os.path.join(d, "pycache"), ZSCRIPT_CACHE_DIR=d)
        return wall(cmd, expect, cold)


def startup_bench(runs: int, key: str, label: str, args: list[str], expect: str) -> Bench:
    zcmd = [*zscript_command(), *args, str(PROGRAMS / "hello.zs")]
    pcmd = [sys.executable, "-c", "pass"]
    env = startup_env()
    zwall = cold_wall if key == "startup_cold" else wall
    b = Bench(key, label, Side(lambda: zwall(zcmd, expect, env)), Side(lambda: wall(pcmd, "", env)))
    # Warm-up; also fills the bytecode cache and the cache of parsed scripts.
    for _ in range(2):
        wall(zcmd, expect, env)
        wall(pcmd, "", env)
    for i in range(runs):
        order = ((b.zs, b.zs_times), (b.py, b.py_times))
        if i % 2:
            order = order[::-1]
        for side, times in order:
            times.append(side.run())
            if side is b.zs:
                b.zs_cpu.append(LAST_CPU[0])
    return b


# -------------------------------------------------------------------- table


def fmt_time(t: float, seconds: bool) -> str:
    if seconds:
        return f"{t:.3f} s"
    if t >= 1.0:
        return f"{t:.2f} s"
    return f"{t * 1000:.2f} ms"


def row(num: str, b: Bench, report: Report) -> str:
    if b.error is not None:
        return f"{b.key:<18} {num:>2}  {b.label:<38} ERROR: {b.error}"
    zm = statistics.median(b.zs_times)
    pm = statistics.median(b.py_times)
    ratio = zm / pm if pm > 0 else float("inf")
    min_ratio = min(b.zs_times) / min(b.py_times) if min(b.py_times) > 0 else float("inf")
    spread = (max(b.zs_times) - min(b.zs_times)) / zm if zm > 0 else 0.0
    if b.key == "startup_cold":
        target, ok = "(info)", True
    elif b.key.startswith("startup"):
        target = f"<= {STARTUP_TARGET} s"
        ok = zm <= STARTUP_TARGET
    else:
        target = f"<= {RATIO_TARGET:g}x"
        ok = ratio <= RATIO_TARGET
    seconds = b.key.startswith("startup")
    extra = {"cpu": statistics.median(b.zs_cpu)} if b.zs_cpu else {}
    report.add(
        b.key,
        zm,
        "s",
        ratio,
        baseline=pm,
        min_ratio=min_ratio,
        target=target,
        ok=ok,
        label=b.label,
        **extra,
    )
    cpu = f"  cpu {extra['cpu']:.3f} s" if extra else ""
    return (
        f"{b.key:<18} {num:>2}  {b.label:<38} {fmt_time(zm, seconds):>10} {fmt_time(pm, seconds):>10}"
        f" {ratio:>7.2f}x {min_ratio:>7.2f}x {spread * 100:>6.1f}%  {target:<9} {'ok' if ok else 'OVER'}{cpu}"
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--quick", action="store_true", help="small sizes and few repetitions (smoke test)"
    )
    ap.add_argument("--reps", type=int, help="timed repetitions per benchmark (median is reported)")
    ap.add_argument(
        "--startup-runs", type=int, help="processes started per side for the start-up benchmark"
    )
    ap.add_argument("--only", action="append", help="run only this benchmark key (repeatable)")
    add_json_argument(ap)
    args = ap.parse_args(argv)
    report = Report()
    s = QUICK if args.quick else FULL
    reps = args.reps or s.reps
    startup_runs = args.startup_runs or s.startup_runs

    print(
        f"zscript benchmarks{' (quick)' if args.quick else ''}: Python {platform.python_version()},"
        f" {os.cpu_count()} cores, {reps} repetitions (start-up: {startup_runs} runs), medians"
    )
    header = (
        f"{'key':<18} {'#':>2}  {'benchmark':<38} {'zscript':>10} {'python':>10} {'ratio':>8} {'min-r':>8} {'spread':>7}"
        f"  {'target':<9} status"
    )
    print(header)
    print("-" * len(header))
    failed = False
    loads: list[str] = []
    for num, key, make in make_benches(s):
        if args.only and key not in args.only:
            continue
        try:
            b = make()
            run_bench(b, reps)
            loads.append(f"{key} {b.load_time * 1000:.0f} ms")
        except Exception as exc:  # noqa: BLE001 - reported in the table
            b = Bench(
                key,
                key,
                Side(lambda: None),
                Side(lambda: None),
                error=f"{type(exc).__name__}: {exc}",
            )
            failed = True
        print(row(num, b, report), flush=True)
    for key, label, zargs, expect in STARTUPS:
        if args.only and key not in args.only:
            continue
        try:
            b = startup_bench(startup_runs, key, label, zargs, expect)
        except Exception as exc:  # noqa: BLE001
            b = Bench(key, label, Side(lambda: None), Side(lambda: None), error=str(exc))
            failed = True
        print(row("5", b, report), flush=True)
    print()
    print(
        "ratio = median zscript / median python; min-r = fastest zscript / fastest python (less"
        " sensitive to a busy machine); spread = (max - min) / median of the zscript samples."
    )
    print(
        "The start-up target is absolute (zscript wall seconds; 'cpu' is the median CPU time of"
        " the zscript process, less disturbed by a busy machine); its ratio is only informative."
    )
    if loads:
        print("program load (parse + check + compile, excluded from timings): " + ", ".join(loads))
    report.write(args.json)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
