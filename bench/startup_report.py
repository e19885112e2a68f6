"""Where start-up time and an empty process's memory go.

Usage::

    python bench/startup_report.py                # --bare hello world, 5 runs
    python bench/startup_report.py --default      # Zeek's default mode instead
    python bench/startup_report.py --json out.json

Each run is a fresh ``python`` process (caches warm: one untimed run first)
that does what ``zscript run [--bare] hello.zs`` does, phase by phase:

* ``imports``: importing ``zscript.cli`` and ``zscript.host`` (and what they
  import);
* ``host``: creating the :class:`~zscript.host.Host`: the library scripts of
  the mode (``base/init-bare`` ... from the parse and code caches), checked,
  compiled and run at the global level;
* ``script``: loading ``hello.zs`` and running it to the end.

Times are CPU seconds of the process (medians over the runs), so other
processes on the machine disturb them less than wall time.  As the command
does, the child loads with the cyclic garbage collector off.  ``python`` is
the interpreter's own start (``python -c pass``) for comparison.

Imports are broken down by package from ``-X importtime`` (self time summed
per top-level package, ``zscript`` per subpackage, medians of three runs), memory by package from
``tracemalloc`` at the end of start-up (Python objects only: the peak RSS
also holds the interpreter and C libraries), beside the process's peak RSS
and that of ``python -c pass``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from report import Report, add_json_argument  # noqa: E402

CHILD = r"""
import gc, io, json, resource, sys, time
gc.disable()  # as the zscript command starts (zscript/cli.py: _pause_gc)
mode_bare = sys.argv[1] == "bare"
trace = sys.argv[2] == "trace"
if trace:
    import tracemalloc
    tracemalloc.start()
cpu = time.process_time
c0 = cpu()
import zscript.cli
import zscript.host
c1 = cpu()
host = zscript.host.Host(bare=mode_bare, stdout=io.StringIO())
c2 = cpu()
host.load_file(sys.argv[3])
host.run()
c3 = cpu()
out = {"imports": c1 - c0, "host": c2 - c1, "script": c3 - c2,
       "rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}
if trace:
    snap = tracemalloc.take_snapshot()
    by = {}
    for st in snap.statistics("filename"):
        by[st.traceback[0].filename] = by.get(st.traceback[0].filename, 0) + st.size
    out["files"] = by
print(json.dumps(out))
"""


def _child(bare: bool, trace: bool, hello: Path, importtime: bool = False) -> tuple[dict, str]:
    cmd = [sys.executable]
    if importtime:
        cmd += ["-X", "importtime"]
    cmd += ["-c", CHILD, "bare" if bare else "default", "trace" if trace else "-", str(hello)]
    p = subprocess.run(cmd, capture_output=True, text=True, check=True, cwd=hello.parent)
    return json.loads(p.stdout.strip().splitlines()[-1]), p.stderr


def _python_floor() -> tuple[float, int]:
    code = (
        "import resource, time; "
        "print(time.process_time(), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    cpu, rss = p.stdout.split()
    return float(cpu), int(rss)


_PKG = re.compile(r"import time:\s+(\d+) \|\s+\d+ \|(\s*)(\S+)")


def _package(module: str) -> str:
    parts = module.split(".")
    return ".".join(parts[:2]) if parts[0] == "zscript" and len(parts) > 1 else parts[0]


def import_breakdown(stderr: str) -> Counter:
    """Microseconds of import self time per package."""
    out: Counter = Counter()
    for m in _PKG.finditer(stderr):
        out[_package(m.group(3))] += int(m.group(1))
    return out


def _file_package(filename: str) -> str:
    path = filename.replace(os.sep, "/")
    if "/zscript/" in path:
        rel = path.rsplit("/zscript/", 1)[1]
        head = rel.split("/")[0]
        return "zscript" if head.endswith(".py") else f"zscript.{head}"
    if "site-packages/" in path:
        return path.split("site-packages/", 1)[1].split("/")[0]
    if path.startswith("<frozen"):
        return "module code (imports)"
    if path.startswith("<zscript"):
        return "compiled scripts"
    if path.startswith("<"):
        return "other generated code"
    return "python stdlib"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--default", action="store_true", help="Zeek's default mode, not --bare")
    ap.add_argument("--runs", type=int, default=5, help="timed runs (medians)")
    add_json_argument(ap)
    args = ap.parse_args(argv)
    bare = not args.default
    report = Report()
    with tempfile.TemporaryDirectory() as d:
        hello = Path(d) / "hello.zs"
        hello.write_text('event zeek_init() { print "hello, world"; }\n')
        _child(bare, False, hello)  # warm the caches
        runs = [_child(bare, False, hello)[0] for _ in range(args.runs)]
        floors = [_python_floor() for _ in range(args.runs)]
        imps = [import_breakdown(_child(bare, False, hello, importtime=True)[1]) for _ in range(3)]
        traced, _ = _child(bare, True, hello)
    mode = "bare" if bare else "default"
    py_cpu = statistics.median(f[0] for f in floors)
    print(
        f"start-up of `zscript run{' --bare' if bare else ''} hello.zs`, CPU seconds, medians of {args.runs}"
    )
    total = 0.0
    for phase in ("imports", "host", "script"):
        v = statistics.median(r[phase] for r in runs)
        total += v
        print(f"  {phase:<10}{v:>8.3f} s")
        report.add(f"startup_{mode}_{phase}", v, "s")
    print(
        f"  {'total':<10}{total:>8.3f} s   (python -c pass: {py_cpu:.3f} s before its first line)"
    )
    report.add(f"startup_{mode}_total", total, "s")
    breakdown = Counter(
        {pkg: statistics.median(b.get(pkg, 0) for b in imps) for pkg in set().union(*imps)}
    )
    all_us = sum(breakdown.values())
    print(f"imports by package (self time under -X importtime, medians: {all_us / 1e6:.3f} s)")
    for pkg, us in breakdown.most_common(15):
        print(f"  {pkg:<28}{us / 1e3:>8.1f} ms {us / all_us:>6.0%}")
    by_pkg: Counter = Counter()
    for filename, size in traced["files"].items():
        by_pkg[_file_package(filename)] += size
    rss = statistics.median(r["rss_kib"] for r in runs) / 1024
    py_rss = statistics.median(f[1] for f in floors) / 1024
    traced_total = sum(by_pkg.values()) / 2**20
    print(
        f"memory: peak RSS {rss:.1f} MiB (python -c pass: {py_rss:.1f} MiB); "
        f"Python objects allocated at start-up {traced_total:.1f} MiB, by package:"
    )
    for pkg, size in by_pkg.most_common(12):
        print(f"  {pkg:<28}{size / 2**20:>8.2f} MiB {size / 2**20 / traced_total:>6.0%}")
    report.add(f"rss_{mode}", rss, "MiB", rss / py_rss, baseline=py_rss)
    report.add(f"traced_{mode}", traced_total, "MiB")
    report.write(args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
