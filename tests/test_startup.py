"""What a start costs: a script that needs no cluster transport, store, log
writer or subprocess must not import the libraries behind them (each is
start-up time every process pays), and the command loads with the cyclic
garbage collector paused, turning it back on before the script runs.

Timings themselves are measured in ``bench/`` (``bench/run.py`` start-up
rows, ``bench/startup_report.py``), not here.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

#: Imported only where first used (see the modules that use them).
LAZY = (
    "logging",
    "socket",
    "subprocess",
    "concurrent.futures",
    "orjson",
    "asyncio",
    "zmq",
    "lark",
    "hashlib",  # it loads OpenSSL: the caches hash with _blake2 itself
    "traceback",
)

PROBE = r"""
import gc, json, sys
sys.argv = ["zscript", *sys.argv[1:]]
from zscript.cli import main
rc = main()
print(json.dumps({"rc": rc, "modules": sorted(sys.modules), "gc": gc.isenabled(),
                  "frozen": gc.get_freeze_count()}), file=sys.stderr)
"""


def _probe(tmp_path, *args: str) -> tuple[str, dict]:
    """Run the command twice (the first fills the caches, as a user's first
    start does) and return what the second printed and imported."""
    _run(tmp_path, args)
    return _run(tmp_path, args)


def _run(tmp_path, args) -> tuple[str, dict]:
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    return proc.stdout, json.loads(proc.stderr.strip().splitlines()[-1])


@pytest.mark.parametrize(("command", "output"), [("run", "hello, world\n"), ("check", "")])
def test_a_bare_start_imports_nothing_it_does_not_use(tmp_path, command, output):
    (tmp_path / "hello.zs").write_text('event zeek_init() { print "hello, world"; }\n')
    out, got = _probe(tmp_path, command, "--bare", "hello.zs")
    assert out == output and got["rc"] == 0
    assert [m for m in LAZY if m in got["modules"]] == []
    # Loaded with the collector paused; on again, and what loading made frozen.
    assert got["gc"] is True and got["frozen"] > 10_000


def test_what_a_script_uses_is_still_imported(tmp_path):
    # The lazy imports happen: a script that runs a command line gets subprocess.
    (tmp_path / "cmd.zs").write_text(
        'event zeek_init() { system("true"); print "ran", md5_hash("x"); }\n'
    )
    out, got = _probe(tmp_path, "run", "--bare", "cmd.zs")
    assert out == "ran, 9dd4e461268c8034f5c8564e155c67a6\n" and got["rc"] == 0
    assert "subprocess" in got["modules"] and "hashlib" in got["modules"]
