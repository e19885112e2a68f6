"""Smoke test of the benchmark suite: ``bench/run.py --quick`` runs to the end.

It checks that every benchmark ran (and that zscript and Python agreed on
its result, which ``run.py`` verifies itself) and printed a ratio.  There is
deliberately no timing assertion: speed is never a timed test.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent / "bench"

KEYS = [
    "fib",
    "table_sum",
    "record_fmt",
    "events_dispatch",
    "events_total",
    "startup_cold",
    "startup",
    "startup_bare",
    "startup_check",
    "startup_check_bare",
]


def run_bench(script: str, *args: str, json_out=None) -> tuple[subprocess.CompletedProcess, list]:
    """Run ``bench/SCRIPT`` with ``args`` (and ``--json json_out``): the
    process (which must have succeeded) and its JSON rows."""
    cmd = [sys.executable, str(BENCH / script), *args]
    if json_out is not None:
        cmd += ["--json", str(json_out)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc, json.loads(json_out.read_text()) if json_out is not None else []


def test_bench_quick_runs(tmp_path):
    out = tmp_path / "bench.json"
    proc = subprocess.run(
        # One repetition and one start-up run per side: every benchmark's code
        # runs all the same, at a third of the CPU time.
        [
            sys.executable,
            str(BENCH / "run.py"),
            "--quick",
            "--reps",
            "1",
            "--startup-runs",
            "1",
            "--json",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    for key in KEYS:
        found = [ln for ln in lines if ln.split()[:1] == [key]]
        assert len(found) == 1, f"no single row for {key}:\n{proc.stdout}"
        row = found[0]
        assert "ERROR" not in row, row
        assert re.search(r"\s\d+\.\d+x\s", row), f"no ratio in: {row}"
    # --json: the same figures, one row per benchmark.
    rows = {r["name"]: r for r in json.loads(out.read_text())}
    assert sorted(rows) == sorted(KEYS)
    for r in rows.values():
        assert r["value"] > 0 and r["ratio"] > 0 and r["unit"] == "s", r


def test_cluster_bench_quick_runs(tmp_path):
    """``bench/cluster_bench.py --quick``: both measurements ran and printed ratios."""
    out = tmp_path / "cluster.json"
    proc = subprocess.run(
        [sys.executable, str(BENCH / "cluster_bench.py"), "--quick", "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "ERROR" not in proc.stdout, proc.stdout
    ratios = re.findall(r"ratio (\d+\.\d+)x", proc.stdout)
    assert len(ratios) == 3, proc.stdout  # throughput, latency median, latency p99
    rows = json.loads(out.read_text())
    assert [r["name"] for r in rows] == ["throughput", "latency_median", "latency_p99"]
    assert all(r["ratio"] > 0 and r["value"] > 0 for r in rows), rows


def test_logging_bench_quick_runs(tmp_path):
    """``bench/logging_bench.py --quick``: the three writers against their
    baselines (the files agree, which the bench checks itself), as JSON too."""
    proc, got = run_bench("logging_bench.py", "--quick", "-n", "2000", json_out=tmp_path / "l.json")
    rows = {r["name"]: r for r in got}
    assert sorted(rows) == sorted(
        ["local-tsv", "local-json", "via-logger", "python-tsv", "python-json", "python-const"]
    )
    for name in ("local-tsv", "local-json", "via-logger"):
        assert rows[name]["ratio"] > 0 and rows[name]["unit"] == "records/s", rows[name]
        assert re.search(rf"^{name}\s+[\d,]+\s+python-\w+\s+\d+%", proc.stdout, re.M), proc.stdout


def test_startup_report_runs(tmp_path):
    """``bench/startup_report.py``: the phases, imports and memory by package."""
    proc, got = run_bench("startup_report.py", "--runs", "1", json_out=tmp_path / "s.json")
    rows = {r["name"]: r for r in got}
    for phase in ("imports", "host", "script", "total"):
        assert rows[f"startup_bare_{phase}"]["value"] > 0, rows
    assert rows["rss_bare"]["value"] > rows["rss_bare"]["baseline"] > 0, rows
    assert re.search(r"^  zscript\.\w+\s+[\d.]+ ms", proc.stdout, re.M), proc.stdout
    assert re.search(r"^  module code \(imports\)\s+[\d.]+ MiB", proc.stdout, re.M), proc.stdout


def test_websocket_bench_quick_runs(tmp_path):
    """``bench/websocket_bench.py``: 1 and 10 clients against both servers, as JSON too."""
    _, got = run_bench("websocket_bench.py", "--quick", "-n", "2000", json_out=tmp_path / "w.json")
    rows = {r["name"]: r for r in got}
    assert sorted(rows) == [
        "ingest_10_clients",
        "ingest_10_clients_cpu",
        "ingest_1_clients",
        "ingest_1_clients_cpu",
    ], rows
    for c in (1, 10):
        r = rows[f"ingest_{c}_clients"]
        assert r["value"] > 0 and r["baseline"] > 0 and r["unit"] == "events/s", r
        # CPU time is counted in clock ticks: a quick run may see none.
        r = rows[f"ingest_{c}_clients_cpu"]
        assert r["value"] >= 0 and r["baseline"] >= 0 and r["unit"] == "s/event", r


def test_fanin_bench_quick_runs(tmp_path):
    """``bench/fanin_bench.py --quick``: each point against both raw receivers,
    nothing lost (the bench checks the counts itself), as JSON too."""
    proc, got = run_bench("fanin_bench.py", "--quick", json_out=tmp_path / "f.json")
    rows = {r["name"]: r for r in got}
    assert sorted(rows) == [
        "fanin_1",
        "fanin_1_cpu",
        "fanin_1_p99",
        "fanin_2",
        "fanin_2_cpu",
        "fanin_2_p99",
        "pool_1",
        "pool_2",
    ], rows
    for w in (1, 2):
        r = rows[f"fanin_{w}"]
        assert r["unit"] == "events/s" and r["value"] > 0 and r["baseline"] > 0, r
        assert rows[f"fanin_{w}_p99"]["value"] > 0
        # CPU seconds per event, counted in clock ticks: a quick run may count none.
        cpu = rows[f"fanin_{w}_cpu"]
        assert cpu["unit"] == "s/event" and 0 <= cpu["value"] < 0.01, cpu
        assert re.search(
            rf"^\s+{w}\s+[\d,]+/s\s+[\d,]+/s\s+[\d,]+/s\s+\d+\.\d+x", proc.stdout, re.M
        )
        pool = rows[f"pool_{w}"]
        assert pool["unit"] == "events/s" and pool["value"] > 0, pool


def test_nats_log_bench_quick_runs(tmp_path):
    """``bench/nats_log_bench.py``: the NATS writer against nats-py, both acknowledged
    (it checks the bytes match and nothing was lost); skipped by itself without NATS."""
    from natsutil import require_nats

    require_nats()
    proc, got = run_bench(
        "nats_log_bench.py", "--quick", "-n", "1000", "--reps", "1", json_out=tmp_path / "n.json"
    )
    assert [r["name"] for r in got] == ["zscript-nats", "nats-py", "nats-py-bytes"]
    assert got[0]["ratio"] > 0 and got[1]["ratio"] is None


def test_backend_bench_quick_runs(tmp_path):
    """``bench/backend_bench.py --quick``: &backend tables on a real cluster,
    both kinds, every copy checked by the bench itself, as JSON too."""
    proc, got = run_bench("backend_bench.py", "--quick", json_out=tmp_path / "b.json")
    assert "ERROR" not in proc.stdout, proc.stdout
    rows = {r["name"]: r for r in got}
    kinds, parts = ("memory", "sqlite"), ("write", "to_master", "late_clone")
    assert sorted(rows) == sorted(f"{k}_{p}" for k in kinds for p in parts)
    for k in kinds:
        assert rows[f"{k}_write"]["ratio"] > 0 and rows[f"{k}_to_master"]["ratio"] > 0
        assert rows[f"{k}_late_clone"]["value"] > 0


def test_storage_bench_quick_runs(tmp_path):
    """``bench/storage_bench.py --quick``: SQLite rows always, Redis rows
    (synchronous, and asynchronous against redis-benchmark) when installed."""
    # The rows, not the rates, are checked: the smallest sizes do.
    proc, got = run_bench(
        "storage_bench.py", "--quick", "--reps", "1", json_out=tmp_path / "s.json"
    )
    rows = {r["name"]: r for r in got}
    assert {"sqlite_put", "sqlite_get"} <= set(rows), proc.stdout
    if shutil.which("redis-server") and shutil.which("redis-benchmark"):
        assert {"redis_async_put", "redis_async_get"} <= set(rows), proc.stdout
    assert all(r["ratio"] > 0 and r["value"] > 0 for r in rows.values()), rows
