"""Logs to NATS JetStream: ``Log::WRITER_NATS`` against nats-py publishing the same bytes.

Usage::

    python bench/nats_log_bench.py                 # 50k records, 5 repetitions
    python bench/nats_log_bench.py --quick         # 5k records, 2 repetitions
    python bench/nats_log_bench.py --json out.json # also the figures as JSON rows

The benchmark starts its own ``nats-server -js`` on a free port of
127.0.0.1 (store in a temporary directory) and stops it; without
``nats-server`` or the ``nats-py`` package it says so and exits 0.

What is measured (records per second, higher is better): the record of
``bench/logging_bench.py`` (``ts``, ``uid``, a ``conn_id``, ``n``,
``msg``), ``N`` times, each record one message acknowledged by JetStream;
the timed region ends when every acknowledgement has arrived.

* ``zscript-nats``: a zscript loop calling ``Log::write`` on a stream whose
  writer is ``Log::WRITER_NATS`` (JSON records, ``LogNATS::max_pending``
  default), then closing the writers (which waits for the last
  acknowledgement).  Zero records may be lost (checked).
* ``nats-py`` (the baseline): Python builds the same records
  (``dataclass(slots=True)``, a dict of the columns, ``orjson.dumps``: the
  same bytes, checked) and publishes each with nats-py's
  ``JetStreamContext.publish_async`` (acknowledgements pipelined, at most
  10000 in flight like the writer), then awaits them all.
* ``nats-py-bytes`` (for information): publishing bytes made beforehand,
  the transport alone.

Each side publishes to a stream of its own per repetition; the sides
alternate order after one warm-up round; medians are shown.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import statistics
import sys
import tempfile
import time
from pathlib import Path

import orjson
from logging_bench import _host, _python_records, json_row
from report import Report, add_json_argument
from storage_bench import start_nats


def _row(r) -> bytes:
    return orjson.dumps(json_row(r))


def zscript_side(url: str, stream: str, n: int) -> float:
    from zscript.logs.writers import nats as W

    extra = (
        "@load policy/frameworks/logging/nats\n"
        "redef Log::default_writer = Log::WRITER_NATS;\n"
        f'redef LogNATS::url = "{url}";\n'
        f'redef LogNATS::stream = "{stream}";\n'
        f'redef LogNATS::subject_prefix = "{stream}";\n'
    )
    host, bench_log = _host(extra)
    mgr = host.subsystems["logs"]
    gc.collect()
    gc.disable()
    try:
        t0 = time.perf_counter()
        bench_log(n)
        mgr.terminate()
        t = time.perf_counter() - t0
    finally:
        gc.enable()
    tally = W._TALLIES[("bench", f"{stream}.bench")]
    assert (tally.acked, tally.lost) == (n, 0), (tally.acked, tally.lost)
    return t


def python_side(url: str, stream: str, n: int, prebuilt: bool) -> float:
    import nats

    async def run() -> float:
        nc = await nats.connect(url)
        js = nc.jetstream(publish_async_max_pending=10000)
        await js.add_stream(name=stream, subjects=[f"{stream}.>"])
        subject = f"{stream}.bench"
        payloads = [_row(r) for r in _python_records(n)] if prebuilt else None
        gc.collect()
        gc.disable()
        try:
            t0 = time.perf_counter()
            futs = []
            if payloads is not None:
                for p in payloads:
                    futs.append(await js.publish_async(subject, p))
            else:
                for r in _python_records(n):
                    futs.append(await js.publish_async(subject, _row(r)))
            acks = await asyncio.gather(*futs)
            t = time.perf_counter() - t0
        finally:
            gc.enable()
        assert len(acks) == n
        await nc.close()
        return t

    return asyncio.run(run())


async def _first_last(url: str, stream: str) -> tuple[bytes, bytes, int]:
    import nats

    nc = await nats.connect(url)
    js = nc.jetstream()
    info = await js.stream_info(stream, subjects_filter=f"{stream}.bench")
    count = (info.state.subjects or {}).get(f"{stream}.bench", 0)
    first = await js.get_msg(stream, seq=info.state.first_seq)
    if first.subject != f"{stream}.bench":  # the writer's schema message comes first
        first = await js.get_msg(stream, seq=info.state.first_seq + 1)
    last = await js.get_msg(stream, seq=info.state.last_seq)
    await nc.close()
    return first.data, last.data, count


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="5k records, 2 repetitions")
    ap.add_argument("-n", type=int, help="records per run")
    ap.add_argument("--reps", type=int, help="repetitions (after one warm-up)")
    add_json_argument(ap)
    args = ap.parse_args(argv)
    n = args.n or (5_000 if args.quick else 50_000)
    reps = args.reps or (2 if args.quick else 5)
    times: dict[str, list[float]] = {"zscript-nats": [], "nats-py": [], "nats-py-bytes": []}
    with tempfile.TemporaryDirectory() as tmp:
        proc, url = start_nats(Path(tmp))
        if proc is None:
            print("nats_log_bench: skipped (no nats-server or no nats-py package)")
            return 0
        try:
            for rep in range(reps + 1):
                sides = list(times) if rep % 2 else list(reversed(times))
                for name in sides:
                    stream = f"{name.replace('-', '_')}_{rep}"
                    if name == "zscript-nats":
                        t = zscript_side(url, stream, n)
                    else:
                        t = python_side(url, stream, n, prebuilt=name == "nats-py-bytes")
                    if rep:
                        times[name].append(t)
                if rep == 0:  # the same bytes on both sides (first and last record)
                    z = asyncio.run(_first_last(url, "zscript_nats_0"))
                    p = asyncio.run(_first_last(url, "nats_py_0"))
                    assert z == p and z[2] == n, (z, p)
        finally:
            proc.terminate()
            proc.wait()
    rate = {name: n / statistics.median(t) for name, t in times.items()}
    report = Report()
    print(f"logs to JetStream: {n} records per run, median of {reps}")
    print(f"{'benchmark':<15}{'records/s':>12}  {'ratio to nats-py':>16}")
    for name in times:
        ratio = rate[name] / rate["nats-py"]
        print(f"{name:<15}{rate[name]:>12,.0f}  {ratio:>16.0%}")
        report.add(name, rate[name], "records/s", ratio if name != "nats-py" else None)
    report.write(args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
