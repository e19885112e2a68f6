"""Golden tests' commands run in forks of a prepared interpreter.

A fresh ``python -m zscript run ...`` spends about half of its start-up
importing zscript (``bench/startup_report.py``), and a test suite starts one
per test.  A *zygote* is a helper process, started once per parallel job
with the tests' environment, that imports what a run imports and then forks
one child per command.  The child is a new process (its own pid, memory,
working directory, environment and standard streams) that goes on where a
fresh interpreter would be after its imports: it runs the command-line
entry point (:func:`zscript.cli.main`) and leaves through the interpreter's
normal exit (``atexit`` handlers, non-daemon threads joined, streams
flushed), so its exit status and output are those of the real command.

Used by :func:`zscript.testing.golden.run_test` for tests that run one
process (not cluster tests), on systems with ``fork``, unless
``ZSCRIPT_TEST_FORK=0``.  A test whose environment differs from the zygote's
in what an interpreter reads only when it starts (``PYTHON*``, locale
variables, the cache location) runs as a subprocess instead, as does every
test when the zygote cannot be started.

Protocol, one JSON object per line: the parent writes ``{"argv": [...],
"cwd": ..., "env": {...}, "out": path, "err": path}`` to the zygote's
stdin; the zygote answers ``{"pid": N}`` once the child runs and
``{"status": S}`` when it ended (``S`` as :attr:`subprocess.Popen.returncode`:
negative for a signal).  On a timeout the parent kills the child, as
:func:`subprocess.run` would.
"""

from __future__ import annotations

import json
import os
import queue
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

__all__ = ["ZygotePool", "startup_sensitive"]

#: Environment variables an interpreter (or zscript's import) reads at start.
_STARTUP_PREFIXES = (
    "PYTHON",
    "LC_",
    "LANG",
    "ZSCRIPT_CACHE_DIR",
    "ZSCRIPT_NO_CACHE",
    "XDG_CACHE_HOME",
    "HOME",
)


def startup_sensitive(env: dict[str, str]) -> dict[str, str]:
    """The part of ``env`` that must be the same for a fork as for a fresh start."""
    return {k: v for k, v in env.items() if k.startswith(_STARTUP_PREFIXES)}


class _Zygote:
    """One zygote process and its pipes (used by one thread at a time)."""

    def __init__(self, env: dict[str, str]):
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "zscript.testing.zygote"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
        )
        self._buf = b""

    def alive(self) -> bool:
        return self.proc.poll() is None

    def _reply(self, deadline: float | None) -> dict | None:
        """The next reply line, or None at the deadline or if the zygote is gone."""
        fd = self.proc.stdout.fileno()
        while b"\n" not in self._buf:
            wait = None if deadline is None else max(0.0, deadline - time.monotonic())
            ready, _, _ = select.select([fd], [], [], wait)
            if not ready:
                return None
            chunk = os.read(fd, 4096)
            if not chunk:
                return None
            self._buf += chunk
        line, self._buf = self._buf.split(b"\n", 1)
        return json.loads(line)

    def run(
        self, argv: list[str], cwd: Path, env: dict, timeout: float
    ) -> tuple[int | None, str, str] | None:
        """``(status, stdout, stderr)`` of the command (status None: killed after
        ``timeout``), or None if the zygote failed (the caller runs it itself)."""
        out, err = cwd / ".zygote.stdout", cwd / ".zygote.stderr"
        request = {"argv": argv, "cwd": str(cwd), "env": env, "out": str(out), "err": str(err)}
        try:
            self.proc.stdin.write(json.dumps(request).encode() + b"\n")
            self.proc.stdin.flush()
        except OSError:
            return None
        started = self._reply(time.monotonic() + 30)
        if started is None or "pid" not in started:
            return None
        pid = started["pid"]
        ended = self._reply(time.monotonic() + timeout)
        timed_out = ended is None and self.alive()
        if timed_out:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            ended = self._reply(time.monotonic() + 30)
        if ended is None or "status" not in ended:
            return None
        texts = []
        for path in (out, err):
            texts.append(path.read_bytes().decode("utf-8", "replace"))
            path.unlink()
        return (None if timed_out else ended["status"]), texts[0], texts[1]

    def close(self) -> None:
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc.stdout.close()


class ZygotePool:
    """Zygotes for an environment, one per command running at once."""

    def __init__(self, env: dict[str, str]):
        self.env = env
        self._key = startup_sensitive(env)
        self._idle: queue.SimpleQueue[_Zygote] = queue.SimpleQueue()
        self._all: list[_Zygote] = []
        self.broken = False

    def fits(self, env: dict[str, str]) -> bool:
        return not self.broken and startup_sensitive(env) == self._key

    def run(self, argv: list[str], cwd: Path, env: dict, timeout: float):
        """As :meth:`_Zygote.run`; None when the command must run as a subprocess."""
        if not self.fits(env):
            return None
        try:
            z = self._idle.get_nowait()
        except queue.Empty:
            try:
                z = _Zygote(self.env)
            except OSError:
                self.broken = True
                return None
            self._all.append(z)
        result = z.run(argv, cwd, env, timeout)
        if result is None or not z.alive():
            self.broken = result is None
            z.close()
            return result
        self._idle.put(z)
        return result

    def close(self) -> None:
        for z in self._all:
            z.close()
        self._all.clear()


# ------------------------------------------------------------- the zygote


def _serve() -> dict | None:
    """Fork a child per request; in the child, return its request."""
    import zscript.cli  # noqa: F401 - what every run imports: the point of a zygote
    import zscript.host  # noqa: F401

    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    for line in stdin:
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:
            return request
        stdout.write(json.dumps({"pid": pid}).encode() + b"\n")
        stdout.flush()
        _, status = os.waitpid(pid, 0)
        stdout.write(json.dumps({"status": os.waitstatus_to_exitcode(status)}).encode() + b"\n")
        stdout.flush()
    return None


def _child(request: dict) -> int:
    """Become the command of ``request`` (see the module docstring)."""
    import io

    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    time.tzset()
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    for fd, path in ((1, request["out"]), (2, request["err"])):
        f = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(f, fd)
        os.close(f)
    # The streams a fresh interpreter would have made (its encoding settings
    # are the zygote's: the same start-up environment).
    out, err = sys.stdout, sys.stderr
    sys.stdin = io.TextIOWrapper(io.FileIO(0, "r", closefd=False), encoding=sys.stdin.encoding)
    sys.stdout = io.TextIOWrapper(
        io.BufferedWriter(io.FileIO(1, "w", closefd=False)),
        encoding=out.encoding,
        errors=out.errors,
    )
    sys.stderr = io.TextIOWrapper(
        io.BufferedWriter(io.FileIO(2, "w", closefd=False)),
        encoding=err.encoding,
        errors=err.errors,
        line_buffering=True,
    )
    import zscript
    from zscript.cli import main

    sys.argv = [os.path.join(os.path.dirname(zscript.__file__), "__main__.py"), *request["argv"]]
    return main(request["argv"])


def main() -> int:
    request = _serve()
    if request is None:
        return 0
    return _child(request)


if __name__ == "__main__":
    sys.exit(main())
