"""Adversarial suite, scripts: thousands of mutated scripts through ``check`` and ``run``.

Every CI run checks :data:`N_CASES` mutants (10,000 unless
``ZSCRIPT_ADVERSARIAL_CASES`` says otherwise) in forked copies of one
prepared host, as ``zscript check`` does, and runs those that load, as
``zscript run standalone --virtual-time`` does (see :mod:`fuzzing`).  A case
fails when a Python exception escapes, an error has no position, zscript
reports an internal error, the diagnostics exceed a bounded size, or zscript
itself (not script code) is still busy after 10 s.  The random seed is
``ZSCRIPT_FUZZ_SEED`` (printed); failing inputs are written to files that
the failure message names.  A sample of the mutants also goes through the
real command line.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import Counter

import pytest
from fuzzing import FAILING, JOBS, RANDOM_SEED, generate_cases, report, run_cases

N_CASES = int(os.environ.get("ZSCRIPT_ADVERSARIAL_CASES", "10000"))
#: Mutants also run through the real ``zscript`` command.
CLI_SAMPLE = 6


def test_mutated_scripts_check_and_run(tmp_path):
    texts = generate_cases(N_CASES, RANDOM_SEED)
    t0 = time.monotonic()
    results = run_cases(texts, run=True)
    elapsed = time.monotonic() - t0
    counts = Counter(r["status"] for r in results)
    failing = sum(counts[s] for s in FAILING)
    print(
        f"scripts: seed {RANDOM_SEED}, {len(texts)} mutants in {elapsed:.0f} s ({JOBS} jobs): "
        f"tried {len(texts)}, survived {len(texts) - failing}, failed {failing}; {dict(counts)}"
    )
    blocks = report(texts, results, tmp_path / "failures")
    if blocks:
        pytest.fail(
            f"{failing} failing case(s) in {len(blocks)} group(s) (seed {RANDOM_SEED}):\n\n"
            + "\n\n".join(blocks),
            pytrace=False,
        )
    # Both outcomes must be common, or the mutants are not testing much.
    assert counts["error"] >= len(texts) // 4, counts
    assert counts["ok"] >= len(texts) // 100, counts


def test_mutants_through_the_command_line(tmp_path):
    texts = generate_cases(CLI_SAMPLE * 4, RANDOM_SEED + 7)
    results = run_cases(texts, run=True)
    # Scripts that loop would not end; the command line gets the others.
    chosen = [t for t, r in zip(texts, results, strict=True) if r["status"] in ("ok", "error")]
    chosen = chosen[:CLI_SAMPLE]
    assert len(chosen) >= CLI_SAMPLE // 2
    env = dict(os.environ, TZ="UTC", LC_ALL="C")
    env.pop("ZSCRIPTPATH", None)
    for i, text in enumerate(chosen):
        path = tmp_path / f"mutant{i}.zs"
        path.write_bytes(text.encode("utf-8", "surrogateescape"))
        for cmd in (["check"], ["run", "standalone", "--virtual-time"]):
            proc = subprocess.run(
                [sys.executable, "-m", "zscript", *cmd, path.name],
                cwd=tmp_path,
                capture_output=True,
                timeout=120,
                env=env,
            )
            err = proc.stderr.decode("utf-8", "replace")
            bad = "Traceback" in err or "internal error" in err or proc.returncode == 70
            assert not bad, f"{' '.join(cmd)} {path} (exit {proc.returncode}):\n{err[-3000:]}"
            assert len(proc.stderr) < 512 * 1024, f"{path}: {len(proc.stderr)} bytes of stderr"
