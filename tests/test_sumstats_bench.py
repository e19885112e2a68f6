"""Smoke test of ``bench/sumstats_bench.py``: a small run finishes, every run's
count is checked by the bench itself, and ``--json`` holds one row per
measurement with its ratio to the plain table.  No timing assertion: speed
is never a timed test."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent / "bench" / "sumstats_bench.py"


def test_sumstats_bench_small_run(tmp_path):
    out = tmp_path / "sumstats.json"
    proc = subprocess.run(
        [sys.executable, str(BENCH), "-n", "2000", "-k", "50", "--reps", "1", "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    rows = {r["name"]: r for r in json.loads(out.read_text())}
    assert sorted(rows) == ["plain_table", "sumstats_cluster", "sumstats_local"]
    assert rows["plain_table"]["ratio"] == 1.0
    for r in rows.values():
        assert r["unit"] == "obs/s" and r["value"] > 0 and r["ratio"] > 0, r
