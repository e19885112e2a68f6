"""Logging throughput: zscript's ``Log::write`` against a plain Python loop.

Usage::

    python bench/logging_bench.py            # 100k records, 7 repetitions
    python bench/logging_bench.py --quick    # 10k records, 3 repetitions

Rows (records per second, higher is better; ratio = Python rate / zscript rate):

1. ``local-tsv``: a zscript function writes N records (time, string, a
   ``conn_id`` unrolled to four columns, count, string) with ``Log::write``
   in a ``while`` loop; the log manager buffers them and the ASCII writer
   writes ``bench.log``.  Timed: the loop plus closing the log (every row on
   disk, ``#close`` written).
2. ``via-logger``: the same script on a "worker" host whose filter logs
   remotely only (``Log::enable_local_logging = F``); its manager sends each
   batch through an in-process sink that encodes it
   (:meth:`~zscript.logs.LogBatch.encode`), decodes it and hands it to a
   separate "logger" :class:`~zscript.logs.LogManager`, which writes
   ``bench.log``.  This is the cluster path without the ZeroMQ socket.
3. ``python``: the baseline for both: a Python loop formatting the same
   lines with an f-string and writing them (header and ``#close`` included)
   to a file.

The three files must hold the same rows (checked; a mismatch is an error).
Loading and compiling the script and creating the stream are not timed.
Each repetition alternates the sides, after one warm-up; the median is shown.
"""

from __future__ import annotations

import argparse
import gc
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from zscript.diagnostics import SourceFile
from zscript.host import Host
from zscript.logs import LogBatch, LogManager, LogServices

PROGRAM = """
@load base/frameworks/logging
module Bench;
export {
	redef enum Log::ID += { LOG };
	type Info: record {
		ts: time &log;
		uid: string &log;
		id: conn_id &log;
		n: count &log;
		msg: string &log;
	};
}
function setup() { Log::create_stream(Bench::LOG, [$columns=Info, $path="bench"]); }
function bench_log(n: count)
	{
	local cid = conn_id($orig_h=10.0.0.1, $orig_p=1234/tcp, $resp_h=10.0.0.2, $resp_p=80/tcp);
	local t = double_to_time(1700000000.25);
	local i = 0;
	while ( i < n )
		{
		Log::write(Bench::LOG, Info($ts=t, $uid="CHhAvVGS1DHFjwGM9", $id=cid, $n=i, $msg="hello"));
		++i;
		}
	}
"""

HEADER = (
    "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tbench\n"
    "#open\t{stamp}\n#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tn\tmsg\n"
    "#types\ttime\tstring\taddr\tport\taddr\tport\tcount\tstring\n"
)


def _stamp() -> str:
    return time.strftime("%Y-%m-%d-%H-%M-%S", time.localtime())


def python_side(n: int, path: Path) -> None:
    """The baseline: the same file written by a plain loop."""
    with open(path, "w", encoding="latin-1") as f:
        f.write(HEADER.format(stamp=_stamp()))
        ts = 1700000000.25
        for i in range(n):
            f.write(f"{ts:.6f}\tCHhAvVGS1DHFjwGM9\t10.0.0.1\t1234\t10.0.0.2\t80\t{i}\thello\n")
        f.write(f"#close\t{_stamp()}\n")


def _host(extra: str = "") -> tuple[Host, object, object]:
    host = Host(virtual_time=True, stdout=io.StringIO())
    host.load_source(SourceFile("bench.zs", PROGRAM + extra))
    host.finish_loading()
    fn = lambda name: host.ns[host.checker.globals[name].py_name]  # noqa: E731
    return host, fn("Bench::setup"), fn("Bench::bench_log")


class _Sink:
    """Worker -> logger through the batch encoding (ZeroMQ's place)."""

    def __init__(self, logger: LogManager):
        self.logger = logger

    def send(self, batch: LogBatch) -> bool:
        return self.logger.accept_remote(LogBatch.decode(batch.encode()))


def zscript_local(n: int, workdir: Path):
    host, setup, bench_log = _host()
    setup()
    mgr = host.subsystems["logs"]

    def run():
        bench_log(n)
        mgr.terminate()

    return run


def zscript_via_logger(n: int, workdir: Path):
    host, setup, bench_log = _host("redef Log::enable_local_logging = F;\n")
    setup()
    worker = host.subsystems["logs"]
    logger = LogManager(LogServices({"Log::default_logdir": str(workdir)}))
    worker.set_remote_sink(_Sink(logger))

    def run():
        bench_log(n)
        worker.terminate()
        logger.terminate()

    return run


def _rows(path: Path) -> list[str]:
    return [line for line in path.read_text("latin-1").splitlines() if not line.startswith("#")]


def _timed(fn) -> float:
    gc.collect()
    gc.disable()
    try:
        t0 = time.perf_counter()
        fn()
        return time.perf_counter() - t0
    finally:
        gc.enable()


def measure(n: int, reps: int) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {"local-tsv": [], "via-logger": [], "python": []}
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        old = os.getcwd()
        try:
            for rep in range(reps + 1):  # the first round is the warm-up
                results = {}
                order = ["local-tsv", "via-logger", "python"]
                if rep % 2:
                    order.reverse()
                for name in order:
                    d = base / f"{name}-{rep}"
                    d.mkdir()
                    os.chdir(d)
                    if name == "python":
                        t = _timed(lambda d=d: python_side(n, d / "bench.log"))
                    else:
                        make = zscript_local if name == "local-tsv" else zscript_via_logger
                        t = _timed(make(n, d))
                    results[name] = _rows(d / "bench.log")
                    if rep:
                        times[name].append(t)
                if not results["local-tsv"] == results["via-logger"] == results["python"]:
                    raise SystemExit("error: the three logs differ")
        finally:
            os.chdir(old)
    return times


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="10k records, 3 repetitions")
    ap.add_argument("-n", type=int, help="records per run")
    args = ap.parse_args(argv)
    n = args.n or (10_000 if args.quick else 100_000)
    reps = 3 if args.quick else 7
    times = measure(n, reps)
    base = statistics.median(times["python"])
    print(f"logging: {n} records per run, median of {reps} (Python {sys.version.split()[0]})")
    print(f"{'benchmark':<12} {'seconds':>9} {'records/s':>12} {'ratio':>7}")
    for name in ("local-tsv", "via-logger", "python"):
        t = statistics.median(times[name])
        print(f"{name:<12} {t:>9.3f} {n / t:>12,.0f} {t / base:>6.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
