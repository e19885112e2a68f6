"""Helpers shared by the logging tests: a log manager on stand-alone
services, and a script run in its own directory."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from zscript.logs import LogManager, LogServices

#: Network time of the stand-alone services (2023-11-14 22:13:20 UTC).
NOW = 1700000000.0


def manager(logdir: Path, **options) -> LogManager:
    """A log manager writing to ``logdir``, flush timer off, ``options`` on top."""
    opts = {"Log::default_logdir": str(logdir), "Log::flush_interval": 0.0}
    opts.update(options)
    return LogManager(LogServices(opts, now=NOW))


def run_script(cwd: Path, text: str, *, unset: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    """``zscript run standalone t.zeek`` with ``text`` in ``cwd`` (environment
    variables named in ``unset`` removed, and ``ZSCRIPTPATH``)."""
    (cwd / "t.zeek").write_text(text)
    env = dict(os.environ)
    for name in ("ZSCRIPTPATH", *unset):
        env.pop(name, None)
    return subprocess.run(
        [sys.executable, "-m", "zscript", "run", "standalone", "t.zeek"],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
