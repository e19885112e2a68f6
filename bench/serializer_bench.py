"""Event serializer throughput: round trips per second, next to stdlib-json baselines.

Usage::

    python bench/serializer_bench.py           # about 10 s
    python bench/serializer_bench.py --quick   # smoke test

One round trip is ``serialize_event`` followed by ``deserialize_event`` (the
receiver converting every argument back to zscript values with its own
declaration) of the event ``bench::ev(s: string, c: count, r: R)`` with
``R = record {n: count; note: string &optional;}`` and ``note`` unset -- the
"name + string, count, small record" row of
``shared/design/performance-baselines.md``.

Baselines, measured in the same run:

* ``stdlib json, plain``: ``json.dumps``/``json.loads`` of
  ``["bench::ev", ["hello", 42, [3, null]]]`` -- no data model at all;
* ``stdlib json, v1 model``: the same event in Broker's JSON v1 data model,
  built and read back by straightforward untyped Python (dicts per value,
  ``json.dumps``/``json.loads``), without typed conversion.

Each codec runs ``reps`` times (alternating codecs to spread drift); the
table shows the median rate and the best one.
"""

from __future__ import annotations

import argparse
import gc
import io
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from report import Report, add_json_argument  # noqa: E402

from zscript.cluster.serializers import get_serializer  # noqa: E402
from zscript.diagnostics import SourceFile  # noqa: E402
from zscript.host import Host  # noqa: E402
from zscript.runtime.values import record_class  # noqa: E402

SCRIPT = """
module bench;
export {
    type R: record { n: count; note: string &optional; };
    global ev: event(s: string, c: count, r: R);
}
"""


def setup():
    host = Host(virtual_time=True, stdout=io.StringIO(), stderr=io.StringIO())
    host.load_source(SourceFile("bench.zs", SCRIPT))
    ftype = host.checker.globals["bench::ev"].type
    types = [p.type for p in ftype.params]
    rec = record_class(host.script_type("bench::R"))._zmake({"f_n": 3})
    args = ("hello", 42, rec)

    def lookup(name):
        return ftype if name == "bench::ev" else None

    return args, types, lookup


def zscript_round_trip(name: str, args, types, lookup):
    ser = get_serializer(name)
    serialize, deserialize = ser.serialize_event, ser.deserialize_event

    def run(n: int):
        for _ in range(n):
            out = deserialize(serialize("bench::ev", args, types), lookup)
        return out

    return run


def plain_json():
    dumps, loads = json.dumps, json.loads

    def run(n: int):
        for _ in range(n):
            out = loads(dumps(["bench::ev", ["hello", 42, [3, None]]]))
        return out

    return run


def v1_json():
    dumps, loads = json.dumps, json.loads

    def enc(dt, v):
        return {"@data-type": dt, "data": v}

    def run(n: int):
        for _ in range(n):
            args = [
                enc("string", "hello"),
                enc("count", 42),
                enc("vector", [enc("count", 3), enc("none", {})]),
            ]
            msg = enc(
                "vector",
                [enc("count", 1), enc("count", 1), enc("vector", [enc("string", "bench::ev"), enc("vector", args)])],
            )  # fmt: skip
            obj = loads(dumps(msg))
            content = obj["data"][2]["data"]
            a = content[1]["data"]
            rec = a[2]["data"]
            out = (
                content[0]["data"],
                a[0]["data"],
                a[1]["data"],
                [x["data"] if x["@data-type"] != "none" else None for x in rec],
            )
        return out

    return run


def measure(codecs: dict, n: int, reps: int) -> dict[str, list[float]]:
    rates: dict[str, list[float]] = {k: [] for k in codecs}
    for fn in codecs.values():
        fn(max(1, n // 10))  # warm-up: compile codecs, fill caches
    for _ in range(reps):
        for key, fn in codecs.items():
            gc.collect()
            gc.disable()
            try:
                t0 = time.perf_counter()
                fn(n)
                dt = time.perf_counter() - t0
            finally:
                gc.enable()
            rates[key].append(n / dt)
    return rates


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="small run (smoke test)")
    add_json_argument(ap)
    opts = ap.parse_args(argv)
    n, reps = (2000, 3) if opts.quick else (20000, 7)
    args, types, lookup = setup()
    codecs = {
        "stdlib json, plain": plain_json(),
        "stdlib json, v1 model": v1_json(),
        "zscript broker-json-v1": zscript_round_trip("broker-json-v1", args, types, lookup),
        "zscript broker-bin-v1": zscript_round_trip("broker-bin-v1", args, types, lookup),
    }
    # Both serializers must give back what was sent.
    for key in ("zscript broker-json-v1", "zscript broker-bin-v1"):
        name, got = codecs[key](1)
        assert name == "bench::ev" and got[:2] == args[:2] and got[2] == args[2], key
    rates = measure(codecs, n, reps)
    base = statistics.median(rates["stdlib json, plain"])
    print(
        f"event round trips per second ({n} per sample, {reps} samples; Python {sys.version.split()[0]})"
    )
    print(f"{'codec':<26}{'median/s':>12}{'best/s':>12}{'vs plain json':>15}")
    report = Report()
    for key, rs in rates.items():
        med = statistics.median(rs)
        print(f"{key:<26}{med:>12,.0f}{max(rs):>12,.0f}{med / base:>14.2f}x")
        report.add(key, med, "round trips/s", med / base, baseline="stdlib json, plain")
    report.write(opts.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
