"""Logging throughput: zscript's ``Log::write`` against plain Python writing the same log.

Usage::

    python bench/logging_bench.py                 # 100k records, 5 repetitions
    python bench/logging_bench.py --quick         # 10k records, 2 repetitions
    python bench/logging_bench.py --json out.json # also the figures as JSON rows

What is measured (records per second, higher is better)
--------------------------------------------------------
A zscript function builds ``N`` records (``ts: time``, ``uid: string``,
``id: conn_id`` (four columns: two ``addr``, two ``port``), ``n: count``,
``msg: string``) in a ``while`` loop and hands each to ``Log::write``.  The
timed region is the loop plus closing the log (every row on disk).  Loading
the script and creating the stream are not timed.

* ``local-tsv``: the ASCII writer, Zeek's TSV format.
* ``local-json``: the same with ``LogAscii::use_json = T``.
* ``via-logger``: two processes, as in a cluster: this process logs
  remotely only (``Log::enable_local_logging = F``) through the cluster's
  log transport (:class:`~zscript.cluster.logtransport.LogTransport`, a
  ZeroMQ PUSH socket); a separate logger process PULLs the batches, decodes
  them and writes the file with its own log manager.  Start: this process's
  clock just before the loop; end: the logger's clock when it has written
  the last row (``time.time()`` on both sides, one machine).  Batches the
  transport could not queue are counted and must be zero.

Baselines, in the same run: what a Python programmer writes for the same
job.  The records are ``dataclass(slots=True)`` objects with the same field
types (``ipaddress.IPv4Address`` for addresses, ints for ports), built in
the loop like the script's, and written line by line:

* ``python-tsv``: an f-string of the fields per line (header and ``#close``
  as Zeek writes them); the baseline of ``local-tsv`` and ``via-logger``.
* ``python-json``: a dict of the columns per record, ``orjson.dumps``
  (``json.dumps`` if orjson is missing); the baseline of ``local-json``.
* ``python-const`` (for information): the TSV lines from constants, only
  the counter formatted: the cost of writing the file, no records at all.

The ratio is zscript's rate divided by its baseline's (targets: 35% for
the local writers, 25% through the logger).  Every file must hold the same
rows as its baseline's (JSON compared as parsed objects); a mismatch is an
error.  Each repetition alternates the sides' order, after one warm-up
round; medians are shown.
"""

from __future__ import annotations

import argparse
import gc
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from ipaddress import IPv4Address
from pathlib import Path

from report import Report, add_json_argument

from zscript.diagnostics import SourceFile
from zscript.host import Host
from zscript.logs import LogBatch, LogManager, LogServices

try:
    from orjson import dumps as _json_bytes
except ImportError:  # pragma: no cover - orjson is a dependency

    def _json_bytes(obj) -> bytes:
        return json.dumps(obj, separators=(",", ":")).encode()


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


# ------------------------------------------------------------------ baselines


@dataclass(slots=True)
class ConnId:
    orig_h: IPv4Address
    orig_p: int
    resp_h: IPv4Address
    resp_p: int


@dataclass(slots=True)
class Info:
    ts: float
    uid: str
    id: ConnId
    n: int
    msg: str


def _python_records(n: int):
    cid = ConnId(IPv4Address("10.0.0.1"), 1234, IPv4Address("10.0.0.2"), 80)
    ts = 1700000000.25
    for i in range(n):
        yield Info(ts, "CHhAvVGS1DHFjwGM9", cid, i, "hello")


def python_tsv(n: int, path: Path) -> None:
    with open(path, "w", encoding="latin-1") as f:
        f.write(HEADER.format(stamp=_stamp()))
        for r in _python_records(n):
            c = r.id
            f.write(
                f"{r.ts:.6f}\t{r.uid}\t{c.orig_h}\t{c.orig_p}\t{c.resp_h}\t{c.resp_p}\t{r.n}\t{r.msg}\n"
            )
        f.write(f"#close\t{_stamp()}\n")


def json_row(r: Info) -> dict:
    """The columns of a record, as Zeek's JSON names them."""
    c = r.id
    return {
        "ts": r.ts,
        "uid": r.uid,
        "id.orig_h": str(c.orig_h),
        "id.orig_p": c.orig_p,
        "id.resp_h": str(c.resp_h),
        "id.resp_p": c.resp_p,
        "n": r.n,
        "msg": r.msg,
    }


def python_json(n: int, path: Path) -> None:
    dumps = _json_bytes
    with open(path, "wb") as f:
        for r in _python_records(n):
            f.write(dumps(json_row(r)) + b"\n")


def python_const(n: int, path: Path) -> None:
    with open(path, "w", encoding="latin-1") as f:
        f.write(HEADER.format(stamp=_stamp()))
        ts = 1700000000.25
        for i in range(n):
            f.write(f"{ts:.6f}\tCHhAvVGS1DHFjwGM9\t10.0.0.1\t1234\t10.0.0.2\t80\t{i}\thello\n")
        f.write(f"#close\t{_stamp()}\n")


# -------------------------------------------------------------------- zscript


def _host(extra: str = "") -> tuple[Host, object]:
    host = Host(virtual_time=True, stdout=io.StringIO())
    host.load_source(SourceFile("bench.zs", PROGRAM + extra))
    host.finish_loading()
    fn = lambda name: host.ns[host.checker.globals[name].py_name]  # noqa: E731
    fn("Bench::setup")()
    return host, fn("Bench::bench_log")


def zscript_local(n: int, json_writer: bool = False):
    host, bench_log = _host("redef LogAscii::use_json = T;\n" if json_writer else "")
    mgr = host.subsystems["logs"]

    def run() -> float:
        t0 = time.perf_counter()
        bench_log(n)
        mgr.terminate()
        return time.perf_counter() - t0

    return run


def zscript_via_logger(n: int, workdir: Path):
    """The worker side; the logger is a child process (see :func:`logger_process`)."""
    from zscript.cluster.logtransport import LogTransport

    proc = subprocess.Popen(
        [sys.executable, __file__, "--logger-process", str(n), str(workdir)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        endpoint = proc.stdout.readline().strip()  # the logger's bound PULL endpoint
        if not endpoint.startswith("tcp://"):
            raise SystemExit(f"error: the logger process did not start ({endpoint!r})")
        host, bench_log = _host("redef Log::enable_local_logging = F;\n")
        worker = host.subsystems["logs"]
        transport = LogTransport("worker-1", print, connect=[endpoint])
        worker.set_remote_sink(transport)
    except BaseException:
        proc.kill()
        proc.wait()
        raise

    def run() -> float:
        try:
            t0 = time.time()
            bench_log(n)
            worker.terminate()
            end = proc.stdout.readline().strip()
            proc.wait(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            transport.close()
        if transport.send_drops:
            raise SystemExit(f"error: {transport.send_drops} log batches not sent")
        if not end:
            raise SystemExit("error: the logger process ended before the last row")
        return float(end) - t0

    return run


def logger_process(n: int, workdir: str) -> int:
    """The logger: PULL batches, write them, print the time of the last row."""
    from zscript.cluster.logtransport import LogTransport

    os.chdir(workdir)
    logger = LogManager(LogServices({"Log::default_logdir": workdir}))
    rows = 0

    def accept(payload: bytes) -> None:
        nonlocal rows
        batch = LogBatch.decode(payload)
        logger.accept_remote(batch)
        rows += len(batch.rows)

    transport = LogTransport("logger-1", print, connect=[], listen="tcp://127.0.0.1:*")
    transport.accept = accept
    import zmq

    print(transport.pull.getsockopt(zmq.LAST_ENDPOINT).decode(), flush=True)
    gc.disable()
    while rows < n:
        transport._take(transport.pull.recv_multipart())
    logger.terminate()
    print(repr(time.time()), flush=True)
    transport.close()
    return 0


# ----------------------------------------------------------------- measuring

#: benchmark -> (baseline, target ratio)
PAIRS = {
    "local-tsv": ("python-tsv", 0.35),
    "local-json": ("python-json", 0.35),
    "via-logger": ("python-tsv", 0.25),
}
PYTHON = {"python-tsv": python_tsv, "python-json": python_json, "python-const": python_const}


def _rows(path: Path, as_json: bool) -> list:
    lines = [ln for ln in path.read_text("latin-1").splitlines() if not ln.startswith("#")]
    return [json.loads(ln) for ln in lines] if as_json else lines


def _timed(make) -> float:
    gc.collect()
    gc.disable()
    try:
        return make()()
    finally:
        gc.enable()


def measure(n: int, reps: int) -> dict[str, list[float]]:
    names = [*PAIRS, *PYTHON]
    times: dict[str, list[float]] = {name: [] for name in names}
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        old = os.getcwd()
        try:
            for rep in range(reps + 1):  # the first round is the warm-up
                results = {}
                for name in names if rep % 2 else reversed(names):
                    d = base / f"{name}-{rep}"
                    d.mkdir()
                    os.chdir(d)
                    out = d / "bench.log"
                    if name in PYTHON:
                        t = _timed(lambda name=name, out=out: _python_run(name, n, out))
                    elif name == "via-logger":
                        t = _timed(lambda d=d: zscript_via_logger(n, d))
                    else:
                        t = _timed(lambda name=name: zscript_local(n, name == "local-json"))
                    results[name] = _rows(out, "json" in name)
                    if rep:
                        times[name].append(t)
                for name, (baseline, _) in PAIRS.items():
                    if results[name] != results[baseline]:
                        raise SystemExit(f"error: {name} and {baseline} wrote different rows")
        finally:
            os.chdir(old)
    return times


def _python_run(name: str, n: int, out: Path):
    def run() -> float:
        t0 = time.perf_counter()
        PYTHON[name](n, out)
        return time.perf_counter() - t0

    return run


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--logger-process"]:
        return logger_process(int(argv[1]), argv[2])
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="10k records, 2 repetitions")
    ap.add_argument("-n", type=int, help="records per run")
    ap.add_argument("--reps", type=int, help="repetitions (after one warm-up)")
    add_json_argument(ap)
    args = ap.parse_args(argv)
    n = args.n or (10_000 if args.quick else 100_000)
    reps = args.reps or (2 if args.quick else 5)
    times = measure(n, reps)
    rate = {name: n / statistics.median(t) for name, t in times.items()}
    report = Report()
    print(f"logging: {n} records per run, median of {reps} (Python {sys.version.split()[0]})")
    print(f"{'benchmark':<13}{'records/s':>12}  {'baseline':<13}{'ratio':>7}  target")
    for name, (baseline, target) in PAIRS.items():
        ratio = rate[name] / rate[baseline]
        ok = "ok" if ratio >= target else "BELOW"
        print(f"{name:<13}{rate[name]:>12,.0f}  {baseline:<13}{ratio:>6.0%}  >= {target:.0%} {ok}")
        report.add(name, rate[name], "records/s", ratio, baseline=baseline, target=target)
    for name in PYTHON:
        print(f"{name:<13}{rate[name]:>12,.0f}")
        report.add(name, rate[name], "records/s")
    report.write(args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
