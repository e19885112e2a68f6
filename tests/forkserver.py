"""A small dedicated process that forks one copy of a prepared host per fuzz case.

:func:`fuzzing.run_cases` used to fork each case from the pytest worker
itself.  A worker that has imported the whole test suite is big, and a fork
costs in proportion to the parent (page tables to copy, then copy-on-write
faults and teardown in the child): 10,000 cases spent more CPU in the kernel
than in zscript.  And the worker had not yet imported what the cases need
(Lark, which zscript loads only for a file with a syntax error, and the
builtin modules), so every child imported it again.

So the cases are forked from this process instead.  It imports only zscript
and :mod:`fuzzing`, warms itself up on throwaway hosts (an inline seed,
run, and cut in half, so the syntax-error path is loaded too), then
makes the prototype :class:`~zscript.host.Host` every case is forked from.
A case still runs exactly as before: :func:`fuzzing.check_text` on a fresh
copy of a host nothing else has touched, under the same per-case timer, with
the same wall-clock limit (:data:`fuzzing.HARD_TIMEOUT`) enforced here.

Protocol: the client writes one JSON line per request to the server's stdin,
``{"texts": [...], "run": bool, "cwd": dir, "jobs": n}``; the server answers
on a pipe of its own (the file descriptor given as its argument, so what a
case prints to standard output cannot get mixed in) with one JSON line, the
list of results in order.  The server exits when its stdin closes, so it
never outlives the process that started it.  One server per test process is
shared (:func:`shared`) and stopped at the end of the session
(:func:`stop_shared`, called from ``conftest.py``) or at exit.
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from fuzzing import HARD_TIMEOUT, INLINE_SEEDS, check_text, new_host

# ------------------------------------------------------------------ client


class ForkServer:
    """The client side: starts the server and sends it requests."""

    def __init__(self):
        r, w = os.pipe()
        try:
            self.proc = subprocess.Popen(
                [sys.executable, str(Path(__file__).resolve()), str(w)],
                stdin=subprocess.PIPE,
                # What cases print to the process's own standard output
                # (piped commands, files named /dev/stdout) is not looked at;
                # standard error stays, for the server's own problems.
                stdout=subprocess.DEVNULL,
                pass_fds=(w,),
            )
        finally:
            os.close(w)
        self.answers = os.fdopen(r, "rb")

    def run(self, texts: list[str], jobs: int, *, run: bool, cwd: str) -> list[dict]:
        request = {"texts": texts, "run": run, "cwd": cwd, "jobs": jobs}
        try:
            self.proc.stdin.write(json.dumps(request).encode() + b"\n")
            self.proc.stdin.flush()
        except BrokenPipeError:
            pass  # reported below, with the exit status
        line = self.answers.readline()
        if not line:
            code = self.proc.wait(timeout=30)
            raise RuntimeError(f"the fuzz fork server exited (status {code}) without answering")
        return json.loads(line)

    def stop(self) -> None:
        with contextlib.suppress(OSError):
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.answers.close()


_shared: ForkServer | None = None


def shared() -> ForkServer:
    """This process's server, started on first use."""
    global _shared
    if _shared is None or _shared.proc.poll() is not None:
        _shared = ForkServer()
    return _shared


@atexit.register
def stop_shared() -> None:
    global _shared
    if _shared is not None:
        _shared.stop()
        _shared = None


# ------------------------------------------------------------------ server


def _warm_up() -> None:
    """Load what cases load (the engine, builtins, the Lark parser for syntax
    errors), on hosts thrown away afterwards.

    One seed, run and cut in half, imports all that every seed does; more
    would only take longer.  (The hosts are freed once dropped; before they
    were not, and all five seeds made this process 107 MB instead of 55 MB,
    and each case ~6 ms slower: a fork copies page tables in proportion.)"""
    seed = INLINE_SEEDS[0]
    check_text(seed, run=True)
    check_text(seed[: len(seed) // 2])
    gc.collect()


def _child(proto, text: str, fd: int, run: bool, cwd: str) -> None:
    gc.disable()  # short-lived; avoids touching (and copying) every page
    with contextlib.suppress(Exception):
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))
    # Scripts that run may write files (logs, file bifs): in the caller's
    # scratch directory.
    os.chdir(cwd)
    res = check_text(text, host=proto, run=run)
    data = json.dumps(res).encode()
    while data:
        data = data[os.write(fd, data) :]


def run_forked(proto, texts: list[str], jobs: int, run: bool, cwd: str) -> list[dict]:
    """Each text in a forked copy of ``proto``, ``jobs`` at a time."""
    results: list[dict | None] = [None] * len(texts)
    running: dict[int, tuple[int, int, float, list[bytes]]] = {}  # fd -> pid, index, start, chunks
    todo = list(enumerate(texts))
    todo.reverse()
    try:
        while todo or running:
            while todo and len(running) < jobs:
                idx, text = todo.pop()
                r, w = os.pipe()
                sys.stdout.flush()
                sys.stderr.flush()
                pid = os.fork()
                if pid == 0:  # child: never return into the server's loop
                    try:
                        os.close(r)
                        _child(proto, text, w, run, cwd)
                    finally:
                        os._exit(0)
                os.close(w)
                running[r] = (pid, idx, time.monotonic(), [])
            ready, _, _ = select.select(list(running), [], [], 0.5)
            for fd in ready:
                pid, idx, start, chunks = running[fd]
                chunk = os.read(fd, 1 << 16)
                if chunk:
                    chunks.append(chunk)
                    continue
                del running[fd]
                os.close(fd)
                _, status = os.waitpid(pid, 0)
                try:
                    results[idx] = json.loads(b"".join(chunks))
                except ValueError:
                    results[idx] = {
                        "status": "died",
                        "detail": f"child exited with wait status {status}",
                    }
            now = time.monotonic()
            for fd, (pid, idx, start, _chunks) in list(running.items()):
                if now - start > HARD_TIMEOUT:
                    os.kill(pid, signal.SIGKILL)
                    os.waitpid(pid, 0)
                    os.close(fd)
                    del running[fd]
                    results[idx] = {
                        "status": "hard-timeout",
                        "detail": f"no answer after {HARD_TIMEOUT} s",
                    }
    finally:
        for fd, (pid, *_rest) in running.items():
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            os.close(fd)
    return results  # type: ignore[return-value]


def serve(answer_fd: int) -> None:
    with tempfile.TemporaryDirectory(prefix="zscript-fuzz-server-") as scratch:
        os.chdir(scratch)  # the warm-up's scripts run here
        _warm_up()
        proto = new_host()
        gc.collect()
        gc.freeze()  # the prototype's objects: never scanned again, here or in a child
        with os.fdopen(answer_fd, "wb") as answers:
            for line in sys.stdin.buffer:
                req = json.loads(line)
                results = run_forked(proto, req["texts"], req["jobs"], req["run"], req["cwd"])
                answers.write(json.dumps(results).encode() + b"\n")
                answers.flush()
            os.chdir("/")


if __name__ == "__main__":
    serve(int(sys.argv[1]))
