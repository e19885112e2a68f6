"""Golden-file tests of zscript scripts: run a script, compare what it printed.

This is the machinery behind ``zscript test``, the pytest plugin
(:mod:`.pytest_plugin`) and zscript's own ``tests/golden``: one
implementation.  It plays the part btest plays for Zeek and its packages.

A test is a script ``NAME.zs`` (or ``NAME.zeek``) with its expected output
beside it:

* ``NAME.out``: what the script prints (stdout); ``NAME.err``: what it
  reports (stderr; a missing file means stderr must be empty);
* ``NAME.LOG.log`` for each ``# @log: LOG.log`` line: the log file the run
  writes.

Found in a directory, a script is a test when its ``NAME.out`` exists; a
script named explicitly always is one (``--update`` then writes its files).
Names starting with ``_`` are helpers other tests load.

Each test runs in a fresh process, ``python -m zscript run standalone``
(forked from a prepared interpreter that has already imported zscript,
which halves a run's start-up; see :mod:`.zygote`, ``ZSCRIPT_TEST_FORK=0``
for plain subprocesses), in a temporary copy of its directory (what it writes stays out of the tree and
messages show bare file names), in Zeek's bare mode with ``--virtual-time``
unless its leading comment lines say otherwise:

``# @expect-fail``      the command must exit with a non-zero status
``# @check``            run ``zscript check`` instead of ``run``
``# @wall-clock``       real time instead of ``--virtual-time``
``# @load-first: F``    load file ``F`` (relative to the script) before it
``# @node: NAME``       run (or ``@check``) as node NAME instead of ``standalone``
``# @mode: M``          ``bare`` (default; ``zeek -b``) or ``default``
``# @error-format: F``  diagnostics in format F (``zeek``: Zeek's one-line form)
``# @env: NAME=VALUE``  set an environment variable for the run
``# @log: FILE``        compare log FILE with ``NAME.FILE``
``# @timeout: S``       seconds before the run is stopped (default 60)
``# @cluster``          run on a local cluster (the built-in layout) instead
``# @layout: FILE``     ... on the layout in FILE (TOML, beside the test)

**Cluster tests** run ``zscript cluster start --foreground`` on the layout,
with every port replaced by one free at run time (so tests can run in
parallel), until the cluster ends (the manager calls ``terminate()``); each
node's stdout is compared with ``NAME.NODE.out`` and its stderr with
``NAME.NODE.err`` (absent: must be empty).  A cluster still running after
the timeout is stopped (``zscript cluster stop``) and the test fails.

Canonifiers (on by default, like btest's): 10-digit epoch timestamps become
``XXXXXXXXXX.XXXXXX``; the absolute path of the run's directory becomes
``<dir>``; in compared logs, the ``#open``/``#close`` dates become
``XXXX-XX-XX-XX-XX-XX``.
"""

from __future__ import annotations

import atexit
import difflib
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "GoldenTest",
    "has_expected_output",
    "Mismatch",
    "Result",
    "canonicalize",
    "discover",
    "free_ports",
    "run_test",
]

SUFFIXES = (".zs", ".zeek")
DEFAULT_TIMEOUT = 60.0
_DIRECTIVE = re.compile(r"#\s*@([\w-]+):?\s*(.*)")
_TIMESTAMP = re.compile(r"\b\d{10}\.\d+")
_LOG_DATE = re.compile(r"^(#(?:open|close)\s+)\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}", re.M)
#: What a test's environment never inherits (it would change what runs).
_CLEARED_ENV = (
    "ZSCRIPTPATH",
    "ZEEKPATH",
    "CLUSTER_NODE",
    "ZEEK_SEED_FILE",
    "ZSCRIPT_ZEEK_ORDER",
    "ZSCRIPT_ERROR_FORMAT",
)


def canonicalize(text: str, workdir: str | None = None) -> str:
    """``text`` with what differs from run to run replaced (see the module docstring)."""
    if workdir:
        text = text.replace(workdir, "<dir>")
    return _TIMESTAMP.sub("XXXXXXXXXX.XXXXXX", text)


def _canonicalize_log(text: str, workdir: str | None) -> str:
    return _LOG_DATE.sub(r"\1XXXX-XX-XX-XX-XX-XX", canonicalize(text, workdir))


def read_directives(script: Path) -> dict[str, list[str]]:
    """The ``# @name: value`` lines at the top of ``script``."""
    out: dict[str, list[str]] = {}
    for line in script.read_text(encoding="utf-8", errors="replace").splitlines():
        if not line.startswith("#"):
            break
        m = _DIRECTIVE.match(line)
        if m:
            out.setdefault(m.group(1), []).append(m.group(2).strip())
    return out


@dataclass
class GoldenTest:
    """One test script and where its expected files are."""

    script: Path
    #: How the test is named in reports (its path relative to where it was found).
    name: str
    directives: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def at(cls, script: Path, root: Path | None = None) -> GoldenTest:
        script = Path(script).absolute()
        try:
            name = (
                str(script.relative_to(Path(root).absolute())) if root is not None else script.name
            )
        except ValueError:
            name = str(script)
        return cls(script, name, read_directives(script))

    def expected(self, what: str) -> Path:
        """The expected file for ``what`` (``out``, ``err`` or a log file name)."""
        return self.script.with_name(f"{self.script.stem}.{what}")

    @property
    def logs(self) -> list[str]:
        return self.directives.get("log", [])

    def command(self) -> list[str]:
        """The command line of the run (without the interpreter)."""
        d = self.directives
        if self.cluster:
            return [
                *("-m", "zscript", "cluster", "start", "--foreground"),
                *("--run-dir", CLUSTER_RUN_DIR, "--layout", CLUSTER_LAYOUT),
                *d.get("load-first", []),
                self.script.name,
            ]
        mode = d.get("mode", ["bare"])[0]
        if mode not in ("bare", "default"):
            raise ValueError(f"{self.name}: unknown @mode {mode!r} (bare or default)")
        cmd = ["-m", "zscript"]
        if "check" in d:
            cmd.append("check")
            if "node" in d:
                cmd += ["--node", d["node"][0]]
        else:
            cmd += ["run", d.get("node", ["standalone"])[0]]
            if "wall-clock" not in d:
                cmd.append("--virtual-time")
        if mode == "bare":
            cmd.append("--bare")
        if "error-format" in d:
            cmd += ["--error-format", d["error-format"][0]]
        return [*cmd, *d.get("load-first", []), self.script.name]

    def environment(self) -> dict[str, str]:
        # As Zeek's btest setup: run-time errors while initializing are not fatal.
        env = dict(os.environ, TZ="UTC", LC_ALL="C", ZEEK_ALLOW_INIT_ERRORS="1")
        for var in _CLEARED_ENV:
            env.pop(var, None)
        for item in self.directives.get("env", []):
            key, _, value = item.partition("=")
            env[key] = value
        return env

    @property
    def cluster(self) -> bool:
        return "cluster" in self.directives or "layout" in self.directives

    @property
    def timeout(self) -> float:
        return float(self.directives.get("timeout", [DEFAULT_TIMEOUT])[0])


@dataclass
class Mismatch:
    """One expected file that differs from what the run produced."""

    what: str
    expected: str | None
    actual: str

    def diff(self) -> str:
        if self.expected is None:
            return f"{self.what}: no expected file (run with --update and review it)\n"
        lines = difflib.unified_diff(
            self.expected.splitlines(keepends=True),
            self.actual.splitlines(keepends=True),
            f"expected {self.what}",
            f"actual {self.what}",
        )
        return "".join(ln if ln.endswith("\n") else ln + "\n" for ln in lines)


@dataclass
class Result:
    """What one run of a test produced (canonicalized)."""

    test: GoldenTest
    status: int | None  # None: stopped after its timeout
    stdout: str
    stderr: str
    logs: dict[str, str] = field(default_factory=dict)
    #: A cluster test: ``logs`` holds each node's ``NODE.out``/``NODE.err`` too.
    cluster: bool = False

    def actual(self) -> dict[str, str]:
        if self.cluster:
            return dict(self.logs)
        return {"out": self.stdout, "err": self.stderr, **self.logs}

    def mismatches(self) -> list[Mismatch]:
        """What differs from the expected files (empty: the test passed)."""
        found: list[Mismatch] = []
        if self.status is None:
            found.append(Mismatch("status", "finished", f"stopped after {self.test.timeout:g} s"))
        elif (self.status != 0) != ("expect-fail" in self.test.directives):
            want = "a failure" if "expect-fail" in self.test.directives else "0"
            found.append(Mismatch("exit status", f"{want}\n", f"{self.status}\n"))
        for what, text in self.actual().items():
            path = self.test.expected(what)
            if path.exists():
                expected = path.read_text(encoding="utf-8")
            elif what == "err" or what.endswith(".err"):
                expected = ""  # no .err file: stderr must be empty
            else:
                expected = None
            if text != expected:
                found.append(Mismatch(what, expected, text))
        return found

    def update(self) -> None:
        """Make the run's output the expected files (an empty stderr has none)."""
        for what, text in self.actual().items():
            path = self.test.expected(what)
            if (what == "err" or what.endswith(".err")) and not text:
                path.unlink(missing_ok=True)
            else:
                path.write_text(text, encoding="utf-8")


#: Where a cluster test's run directory and layout are, in its working directory.
CLUSTER_RUN_DIR = "zscript-cluster"
CLUSTER_LAYOUT = "zscript-test-layout.toml"


#: Where :func:`free_ports` chooses: below the ports the system hands out by
#: itself (Linux: 32768-60999, for outgoing connections and binds to port 0),
#: so a port found free is not taken by such a connection before its server
#: binds it (seen as "Address already in use" under parallel test load).
PORT_RANGE = (10000, 32767)

_port_choice = random.Random(os.urandom(16))  # not the tests' seeded `random`


def free_ports(n: int) -> list[int]:
    """``n`` distinct TCP ports, chosen at random in :data:`PORT_RANGE`,
    that are free on 127.0.0.1 right now."""
    ports: list[int] = []
    while len(ports) < n:
        p = _port_choice.randint(*PORT_RANGE)
        if p in ports:
            continue
        s = socket.socket()
        try:
            s.bind(("127.0.0.1", p))
        except OSError:
            continue
        finally:
            s.close()
        ports.append(p)
    return ports


def _write_cluster_layout(test: GoldenTest, cwd: Path) -> None:
    """The test's layout with every port chosen free now."""
    from ..cluster.layout import default_layout, load_layout

    given = test.directives.get("layout")
    layout = load_layout(cwd / given[0]) if given else default_layout()
    nodes = list(layout.nodes.values())
    ports = iter(free_ports(2 + 2 * len(nodes)))
    layout.xpub_port, layout.xsub_port = next(ports), next(ports)
    for node in nodes:
        node.metrics_port = next(ports) if node.metrics_port is not None else None
        node.port = next(ports) if node.port is not None else None
    (cwd / CLUSTER_LAYOUT).write_text(layout.toml(), encoding="utf-8")


def _node_outputs(run_dir: Path, where: str) -> dict[str, str]:
    out: dict[str, str] = {}
    if not run_dir.is_dir():
        return out
    for node_dir in sorted(p for p in run_dir.iterdir() if p.is_dir()):
        for stream, suffix in (("stdout", "out"), ("stderr", "err")):
            path = node_dir / stream
            if path.exists():
                text = path.read_text(encoding="utf-8", errors="replace")
                out[f"{node_dir.name}.{suffix}"] = canonicalize(text, where)
    return out


def _run_command(test: GoldenTest, cwd: Path) -> tuple[int | None, str, str]:
    """``(status, stdout, stderr)`` of the test's command (status None: stopped
    after the timeout): in a fork of a prepared interpreter where it can be
    (:mod:`.zygote`), else a fresh ``python``."""
    env = test.environment()
    cmd = test.command()
    pool = None if test.cluster else _zygotes(env)
    if pool is not None and cmd[:2] == ["-m", "zscript"]:
        got = pool.run(cmd[2:], cwd, env, test.timeout)
        if got is not None:
            return got
    try:
        proc = subprocess.run(
            [sys.executable, *cmd],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=test.timeout,
            env=env,
        )
        return proc.returncode, proc.stdout, proc.stderr
    except subprocess.TimeoutExpired as e:
        out = e.stdout.decode(errors="replace") if isinstance(e.stdout, bytes) else e.stdout or ""
        err = e.stderr.decode(errors="replace") if isinstance(e.stderr, bytes) else e.stderr or ""
        return None, out, err


_POOLS: list = []
_POOLS_LOCK = threading.Lock()


def _zygotes(env: dict[str, str]):
    """A :class:`~.zygote.ZygotePool` for ``env`` (None where forks are not
    used: no ``fork``, or ``ZSCRIPT_TEST_FORK=0``); pools live until the
    process exits."""
    if not hasattr(os, "fork") or os.environ.get("ZSCRIPT_TEST_FORK", "1") == "0":
        return None
    from .zygote import ZygotePool

    with _POOLS_LOCK:
        for pool in _POOLS:
            if pool.fits(env):
                return pool
        if len(_POOLS) >= 4:  # environments differing at start-up: fresh processes
            return None
        pool = ZygotePool(env)
        if not _POOLS:
            atexit.register(_close_pools)
        _POOLS.append(pool)
        return pool


def _close_pools() -> None:
    for pool in _POOLS:
        pool.close()


def run_test(test: GoldenTest, workdir: Path | None = None) -> Result:
    """Run ``test`` in a copy of its directory made below ``workdir`` (a
    temporary directory, removed afterwards, when None)."""
    if workdir is None:
        with tempfile.TemporaryDirectory(prefix="zscript-test-") as d:
            return run_test(test, Path(d))
    cwd = Path(workdir) / test.script.parent.name
    shutil.copytree(test.script.parent, cwd, ignore=shutil.ignore_patterns("*.out", "*.err"))
    where = str(cwd.resolve())
    if test.cluster:
        _write_cluster_layout(test, cwd)
    try:
        status, out, err = _run_command(test, cwd)
    finally:
        if test.cluster:  # whatever happened, no node outlives the test
            subprocess.run(
                [sys.executable, "-m", "zscript", "cluster", "stop", "--run-dir", CLUSTER_RUN_DIR],
                cwd=cwd,
                capture_output=True,
                timeout=60,
                env=test.environment(),
            )
    if test.cluster:
        # The supervisor's own output interleaves the nodes': each node's
        # streams are compared instead, as the node wrote them.
        nodes = _node_outputs(cwd / CLUSTER_RUN_DIR, where)
        return Result(test, status, "", "", {**nodes, **_logs(test, cwd, where)}, cluster=True)
    return Result(
        test, status, canonicalize(out, where), canonicalize(err, where), _logs(test, cwd, where)
    )


def _logs(test: GoldenTest, cwd: Path, where: str) -> dict[str, str]:
    logs = {}
    for name in test.logs:
        path = cwd / name
        text = path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""
        logs[name] = _canonicalize_log(text, where)
    return logs


def has_expected_output(script: Path) -> bool:
    """``NAME.out``, or a cluster test's ``NAME.NODE.out``."""
    return script.with_suffix(".out").exists() or any(script.parent.glob(f"{script.stem}.*.out"))


def discover(paths: list[str | Path]) -> list[GoldenTest]:
    """The tests at ``paths``: named scripts, and below directories every
    script with a ``NAME.out`` or ``NAME.NODE.out`` (helpers starting with
    ``_`` left out)."""
    tests: list[GoldenTest] = []
    for p in map(Path, paths):
        if p.is_dir():
            for script in sorted(q for s in SUFFIXES for q in p.rglob(f"*{s}")):
                if not script.name.startswith("_") and has_expected_output(script):
                    tests.append(GoldenTest.at(script, p))
        elif p.is_file():
            tests.append(GoldenTest.at(p, p.parent))
        else:
            raise FileNotFoundError(f"no test script or directory {p}")
    return tests
