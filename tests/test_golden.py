"""Golden-file tests: run each ``tests/golden/**/*.zs`` and compare its output.

Each script runs through the real command line (``python -m zscript run
--bare standalone NAME.zs``) in a temporary copy of its directory, so
messages show the bare file name and what the script writes (logs) stays out
of the tree.  Golden scripts run in Zeek's bare mode (``zeek -b``, what Zeek's
own language tests use) unless they say ``# @mode: default``.  ``NAME.out`` holds the expected stdout and ``NAME.err`` the expected
stderr (a missing ``.err`` means stderr must be empty).  Timestamps
(10-digit epoch values) are canonicalized to ``XXXXXXXXXX.XXXXXX``.

Directives in the script's leading comment lines:

``# @expect-fail``     the command must exit with a non-zero status
``# @check``           run ``zscript check`` instead of ``run``
``# @wall-clock``      use real time (the default is ``--virtual-time``)
``# @load-first: F``   load file ``F`` (relative to the script) before it
``# @node: NAME``      run as node NAME instead of ``standalone``
``# @mode: M``         ``bare`` (the default: ``--bare``) or ``default``
                       (``base/init-default`` loaded too, as without ``--bare``)
``# @error-format: F`` print diagnostics in format F (``zeek``: Zeek's one-line form)
``# @env: NAME=VALUE`` set an environment variable for the run

Files whose name starts with ``_`` are helpers loaded by other tests, not
tests themselves.  ``pytest --update-golden`` rewrites the expected files.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

GOLDEN = Path(__file__).parent / "golden"
_TIMESTAMP = re.compile(r"\b\d{10}\.\d+")


def _cases() -> list[Path]:
    return sorted(p for p in GOLDEN.rglob("*.zs") if not p.name.startswith("_"))


def _directives(script: Path) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for line in script.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        m = re.match(r"#\s*@([\w-]+):?\s*(.*)", line)
        if m:
            out.setdefault(m.group(1), []).append(m.group(2).strip())
    return out


def canonicalize(text: str) -> str:
    return _TIMESTAMP.sub("XXXXXXXXXX.XXXXXX", text)


def run_script(script: Path, workdir: Path | None = None) -> tuple[int, str, str]:
    """Run ``script`` in a copy of its directory made in ``workdir``, or
    where it is."""
    d = _directives(script)
    cwd = script.parent
    if workdir is not None:
        cwd = workdir / script.parent.name
        shutil.copytree(script.parent, cwd, ignore=shutil.ignore_patterns("*.out", "*.err"))
    cmd = [sys.executable, "-m", "zscript"]
    mode = d.get("mode", ["bare"])[0]
    assert mode in ("bare", "default"), f"{script.name}: unknown @mode {mode!r}"
    if "check" in d:
        cmd.append("check")
    else:
        cmd += ["run", d.get("node", ["standalone"])[0]]
        if "wall-clock" not in d:
            cmd.append("--virtual-time")
    if mode == "bare":
        cmd.append("--bare")
    if "error-format" in d:
        cmd += ["--error-format", d["error-format"][0]]
    cmd += d.get("load-first", [])
    cmd.append(script.name)
    # Like Zeek's btest setup: runtime errors during initialization are not fatal.
    env = dict(os.environ, TZ="UTC", LC_ALL="C", ZEEK_ALLOW_INIT_ERRORS="1")
    for var in ("ZSCRIPTPATH", "ZEEKPATH", "CLUSTER_NODE"):
        env.pop(var, None)
    # Tables iterate in insertion order unless a test asks for Zeek's
    # (``# @env: ZSCRIPT_ZEEK_ORDER=1``).
    env.pop("ZEEK_SEED_FILE", None)
    env.pop("ZSCRIPT_ZEEK_ORDER", None)
    env.pop("ZSCRIPT_ERROR_FORMAT", None)
    env.update(item.split("=", 1) for item in d.get("env", []))
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=60, env=env)
    return proc.returncode, canonicalize(proc.stdout), canonicalize(proc.stderr)


@pytest.mark.parametrize("script", _cases(), ids=lambda p: str(p.relative_to(GOLDEN)))
def test_golden(script: Path, request, tmp_path):
    rc, out, err = run_script(script, tmp_path)
    expect_fail = "expect-fail" in _directives(script)
    out_file = script.with_suffix(".out")
    err_file = script.with_suffix(".err")
    if request.config.getoption("--update-golden"):
        out_file.write_text(out, encoding="utf-8")
        if err:
            err_file.write_text(err, encoding="utf-8")
        elif err_file.exists():
            err_file.unlink()
    assert (rc != 0) == expect_fail, f"exit status {rc}\nstderr:\n{err}"
    assert out_file.exists(), f"missing {out_file.name}; run pytest --update-golden and review it"
    assert out == out_file.read_text(encoding="utf-8")
    expected_err = err_file.read_text(encoding="utf-8") if err_file.exists() else ""
    assert err == expected_err


def test_golden_corpus_is_not_empty():
    assert len(_cases()) >= 100, "the golden corpus must hold at least 100 scripts"
