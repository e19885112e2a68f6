"""The cluster supervisor: runs a host's nodes of a layout and keeps them running.

A :class:`Supervisor` starts each node of a :class:`~.layout.Layout` that
runs on this host (``only``; all of them by default, see :mod:`.hosts`) as
``python -m zscript run NODE SCRIPT... --layout FILE`` (the manager first: it
runs the central proxy; on a host without the manager every node at once),
waits until every node reports up, watches them, and stops them in order.  Its state, the layout copy and the nodes' output
and status files live in one *run directory* (see :mod:`.rundir`).

A node is *up* when its status file carries the pid of the process the
supervisor started, says ``up`` and lists every other running node of this
host, and the manager, among the peers it has seen come up.  The nodes of
other hosts are their supervisors' business.

Policy, in the spirit of zeekctl (which restarts crashed nodes from cron):

* While the cluster starts, a node that exits with an error, or that is not
  up within the start-up timeout, fails the start: the tail of its stderr is
  reported and every node is stopped.
* Afterwards a node that dies (non-zero exit status or a signal) is restarted
  after a back-off of 0.5 s, doubled on every consecutive crash up to 30 s;
  a run that lasted at least a minute resets the back-off.  Restarts are
  counted and never given up on.  The logs the dead run wrote
  (``<node>/*.log``) are moved to ``<node>/crashed-<N>/`` first, as zeekctl
  archives a crashed node's logs: the new run would start its files afresh
  and destroy them.
* A node that exits with status 0 by itself (``terminate()``) is done and is
  not restarted.  When the manager is done the supervisor stops the other
  nodes and exits: this is how a demo ends by itself.
* Stopping (SIGTERM or SIGINT to the supervisor, ``zscript cluster stop``)
  sends SIGTERM to the workers and proxies, waits for them, then the manager,
  then the loggers, so that ``zeek_done`` runs everywhere while the nodes it
  may still talk to are up, and every log record written before or during a
  node's ``zeek_done`` reaches a logger that is still there to write it
  (logs go straight to the loggers, not through the manager's proxy).  A group still running after the stop timeout
  (20 s) is killed with SIGKILL and the state says so.

Run as ``python -m zscript.cluster.supervisor`` (what ``zscript cluster
start`` does) it is the background supervisor; ``zscript cluster start
--foreground`` runs the same class in the terminal, with the nodes' output
passing through an :class:`OutputRelay`.
"""

from __future__ import annotations

import argparse
import os
import selectors
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .curve import environment_keys, generate_keys, keys_environment
from .layout import Layout, LayoutError, NodeSpec, load_layout
from .rundir import (
    LAYOUT_FILE,
    STATE_FILE,
    STOP_REQUEST_FILE,
    read_json,
    tail,
    write_json,
)

__all__ = ["NodeProcess", "OutputRelay", "Supervisor", "main", "stop_groups"]

BACKOFF_START = 0.5
BACKOFF_MAX = 30.0
#: A run at least this long resets the back-off.
STABLE_AFTER = 60.0
STARTUP_TIMEOUT = 60.0
STOP_TIMEOUT = 20.0
POLL = 0.1

#: Which node types are stopped together, first to last (the loggers last:
#: they write what the others log until those are gone).
STOP_ORDER = (("worker", "proxy"), ("manager",), ("logger",))


# ------------------------------------------------------------------ helpers


def stop_groups(layout: Layout) -> list[list[str]]:
    """Node names in stop order: workers and proxies, the manager, the loggers."""
    return [[n.name for n in layout.nodes.values() if n.type in types] for types in STOP_ORDER]


def _exit_reason(code: int) -> str:
    return f"signal {-code}" if code < 0 else f"exit status {code}"


# ------------------------------------------------------------------ foreground output


class OutputRelay:
    """Carries the nodes' output through pipes (the foreground mode): every chunk
    is appended to the node's ``stdout``/``stderr`` file as usual, and each complete
    line is passed to ``emit(node, stream, line)`` as soon as it arrives."""

    def __init__(self, emit: Callable[[str, str, str], None]):
        self.emit = emit
        self.selector = selectors.DefaultSelector()
        self.partial: dict[int, bytes] = {}

    def attach(self, node: str, proc: subprocess.Popen, node_dir: Path) -> None:
        for stream, pipe in (("stdout", proc.stdout), ("stderr", proc.stderr)):
            f = open(node_dir / stream, "ab")  # noqa: SIM115 - closed at EOF of the pipe
            self.selector.register(pipe, selectors.EVENT_READ, (node, stream, f))

    def wait(self, timeout: float) -> None:
        """Relay what arrives within ``timeout`` seconds (returns early when something did)."""
        if not self.selector.get_map():
            time.sleep(timeout)
            return
        for key, _ in self.selector.select(timeout):
            self._read(key)

    def drain(self) -> None:
        """Relay everything left (the processes have exited)."""
        while self.selector.get_map():
            for key in list(self.selector.get_map().values()):
                self._read(key)

    def _read(self, key) -> None:
        node, stream, f = key.data
        fd = key.fd
        data = os.read(fd, 65536)
        if data:
            f.write(data)
            f.flush()
        lines = (self.partial.pop(fd, b"") + data).split(b"\n")
        rest = lines.pop()
        if data and rest:
            self.partial[fd] = rest
        elif not data and rest:
            lines.append(rest)
        for line in lines:
            self.emit(node, stream, line.decode("utf-8", "replace"))
        if not data:
            self.selector.unregister(key.fileobj)
            key.fileobj.close()
            f.close()


# ------------------------------------------------------------------ the supervisor


@dataclass
class NodeProcess:
    """One node of the layout and the process currently running it."""

    spec: NodeSpec
    proc: subprocess.Popen | None = None
    #: starting, up, backoff, done, stopping, stopped, killed, failed
    state: str = "stopped"
    restarts: int = 0
    started: float | None = None
    started_mono: float = 0.0
    backoff: float = BACKOFF_START
    next_start: float = 0.0
    last_exit: str | None = None
    killed: bool = False

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None else None

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def as_dict(self) -> dict:
        return {
            "type": self.spec.type,
            "state": self.state,
            "pid": self.pid,
            "restarts": self.restarts,
            "started": self.started,
            "last_exit": self.last_exit,
            "killed": self.killed,
        }


@dataclass
class Supervisor:
    """Runs the nodes of ``layout`` with ``scripts`` (see the module docstring).

    :param layout_file: the layout file the nodes are given (``--layout``).
    :param say: receives the supervisor's messages.
    :param relay: pass the nodes' output through it (the foreground mode), rather
        than letting the nodes write their files directly.
    """

    run_dir: Path
    layout: Layout
    layout_file: Path
    scripts: list[str]
    startup_timeout: float = STARTUP_TIMEOUT
    stop_timeout: float = STOP_TIMEOUT
    say: Callable[[str], None] = print
    relay: OutputRelay | None = None
    foreground: bool = False
    python: str = sys.executable
    #: The nodes to run here (this host's share of the layout); None: all of them.
    only: list[str] | None = None
    nodes: dict[str, NodeProcess] = field(init=False)

    def __post_init__(self) -> None:
        self.run_dir = Path(self.run_dir).resolve()
        names = set(self.layout.nodes) if self.only is None else set(self.only)
        self.nodes = {
            name: NodeProcess(spec) for name, spec in self.layout.nodes.items() if name in names
        }
        #: The manager when it runs on another host: the local nodes are up
        #: once they have seen it (and each other) come up.
        mgr = self.layout.manager.name
        self.remote_manager: str | None = None if mgr in self.nodes else mgr
        #: starting, running, stopping, then stopped, finished or failed.
        self.phase = "starting"
        self.error: str | None = None
        self.notes: list[str] = []
        self.started = time.time()
        self._stop_requested = False
        self._kill_now = False
        self._state_written = 0.0
        #: Fresh CURVE keys for the nodes (an encrypted layout without keys of
        #: its own, and none in this environment), passed in their environment.
        self.curve_env: dict[str, str] = {}
        if (
            self.layout.encryption
            and self.layout.curve is None
            and not environment_keys().client_enabled
        ):
            self.curve_env = keys_environment(generate_keys())

    # ------------------------------------------------------------ signals

    def request_stop(self, *_args) -> None:
        """Stop the cluster (a second request kills what is left at once)."""
        if self._stop_requested:
            self._kill_now = True
        self._stop_requested = True

    def install_signal_handlers(self) -> None:
        signals = [signal.SIGTERM, signal.SIGINT]
        if self.foreground:
            signals.append(signal.SIGHUP)
        else:
            signal.signal(signal.SIGHUP, signal.SIG_IGN)
        for sig in signals:
            signal.signal(sig, self.request_stop)

    # ------------------------------------------------------------ running

    def run(self) -> int:
        """Start the cluster, supervise it until it ends, stop it; the exit status.

        0 when the cluster ended normally (stopped on request, or the manager
        finished) without having to kill a node; 1 otherwise.
        """
        self._prepare()
        try:
            self._supervise()
        finally:
            self._stop_all()
            if self.phase not in ("failed", "finished"):
                self.phase = "stopped"
            if self.relay is not None:
                self.relay.drain()
            self._write_state(force=True)
        if self.phase == "failed":
            return 1
        return 1 if any(n.killed for n in self.nodes.values()) else 0

    def _prepare(self) -> None:
        for n in self.nodes.values():
            d = self.run_dir / n.name
            d.mkdir(parents=True, exist_ok=True)
            for stream in ("stdout", "stderr"):
                (d / stream).write_bytes(b"")
            (self.run_dir / f"{n.name}.status.json").unlink(missing_ok=True)
        (self.run_dir / STOP_REQUEST_FILE).unlink(missing_ok=True)
        self._write_state(force=True)

    def _supervise(self) -> None:
        # The manager first (it runs the central proxy); on a host without
        # it, every node at once (they connect when the manager is there).
        manager = self.nodes.get(self.layout.manager.name)
        others_started = False
        deadline = time.monotonic() + self.startup_timeout
        if manager is None:
            manager = next(iter(self.nodes.values()))
        elif not self._spawn(manager):
            return
        while not self._stop_requested:
            self._reap()
            if self.phase in ("failed", "finished"):
                return
            if self.phase == "starting":
                if not others_started and (
                    self.remote_manager or self._ready(manager) or manager.state == "done"
                ):
                    others_started = True
                    for n in self.nodes.values():
                        if n.proc is None and not self._spawn(n):
                            return
                self._update_readiness()
                waiting = [n for n in self.nodes.values() if n.state == "starting"]
                if others_started and not waiting:
                    self.phase = "running"
                    up = sum(n.state == "up" for n in self.nodes.values())
                    self._say(f"cluster up: {up} node{'s' if up != 1 else ''} running")
                    self._write_state(force=True)
                elif time.monotonic() > deadline:
                    self._fail_timeout(waiting or [manager])
                    return
            else:
                self._restart_due()
                self._update_readiness()
            self._write_state()
            self._wait(POLL)
        self._say("stop requested")

    def _spawn(self, n: NodeProcess) -> bool:
        d = self.run_dir / n.name
        d.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ)
        env["ZSCRIPT_CLUSTER_RUN_DIR"] = str(self.run_dir)
        env["PYTHONUNBUFFERED"] = "1"
        env.update(self.curve_env)
        cmd = [self.python, "-m", "zscript", "run", n.name, *self.scripts]
        cmd += ["--layout", str(self.layout_file)]
        if n.started is not None:
            stamp = time.strftime("%Y-%m-%d %H:%M:%S")
            with open(d / "stderr", "ab") as err:
                err.write(f"--- supervisor: restart {n.restarts} at {stamp}\n".encode())
        try:
            if self.relay is not None:
                n.proc = self._popen(cmd, d, env, subprocess.PIPE, subprocess.PIPE)
                self.relay.attach(n.name, n.proc, d)
            else:
                with open(d / "stdout", "ab") as out, open(d / "stderr", "ab") as err:
                    n.proc = self._popen(cmd, d, env, out, err)
        except OSError as e:
            self._fail(f"cannot start node {n.name}: {e.strerror or e}")
            return False
        n.state = "starting"
        n.started = time.time()
        n.started_mono = time.monotonic()
        n.killed = False
        self._say(f"started {n.name} ({n.spec.type}, pid {n.pid})")
        self._write_state(force=True)
        return True

    @staticmethod
    def _popen(cmd: list[str], cwd: Path, env: dict, out, err) -> subprocess.Popen:
        # A session of its own: Ctrl-C in the terminal reaches the supervisor
        # only, which stops the nodes in order.
        return subprocess.Popen(
            cmd,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            start_new_session=True,
        )

    def _status(self, n: NodeProcess) -> dict | None:
        st = read_json(self.run_dir / f"{n.name}.status.json")
        return st if st is not None and st.get("pid") == n.pid else None

    def _ready(self, n: NodeProcess, peers: set[str] | None = None) -> bool:
        st = self._status(n)
        if st is None or not st.get("up"):
            return False
        return peers is None or peers <= set(st.get("peers_up") or ())

    def _live_peers(self) -> set[str]:
        """The nodes a node here must have seen come up before it counts as up."""
        live = {m.name for m in self.nodes.values() if m.state not in ("done", "failed")}
        if self.remote_manager:
            live.add(self.remote_manager)
        return live

    def _update_readiness(self) -> None:
        live = self._live_peers()
        for n in self.nodes.values():
            if n.state == "starting" and self._ready(n, live - {n.name}):
                n.state = "up"
                if self.phase == "running":
                    self._say(f"{n.name} is up again (pid {n.pid})")
                self._write_state(force=True)

    def _reap(self) -> None:
        for n in self.nodes.values():
            if n.proc is None or n.state in ("done", "backoff", "stopped", "failed"):
                continue
            code = n.proc.poll()
            if code is None:
                continue
            n.last_exit = _exit_reason(code)
            if code == 0:
                n.state = "done"
                self._say(f"{n.name} finished (exit status 0)")
                if n.spec.type == "manager":
                    self._say("the manager finished: stopping the cluster")
                    self.phase = "finished"
            elif self.phase == "starting":
                n.state = "failed"
                err = tail(self.run_dir / n.name / "stderr")
                self._fail(f"node {n.name} failed while starting ({n.last_exit})", err, n.name)
                return
            else:
                ran = time.monotonic() - n.started_mono
                if ran >= STABLE_AFTER:
                    n.backoff = BACKOFF_START
                delay = n.backoff
                n.backoff = min(n.backoff * 2, BACKOFF_MAX)
                n.next_start = time.monotonic() + delay
                n.state = "backoff"
                self._say(
                    f"{n.name} died ({n.last_exit}) after {ran:.1f} s; restarting in {delay:g} s"
                )
                self._keep_logs(n)
            self._write_state(force=True)
        if self.phase != "finished" and all(
            n.state in ("done", "failed") for n in self.nodes.values()
        ):
            self._say("every node finished")
            self.phase = "finished"

    def _keep_logs(self, n: NodeProcess) -> None:
        """Move the log files of a node's dead run out of the way of the next run."""
        d = self.run_dir / n.name
        try:
            logs = [p for p in d.iterdir() if p.is_file() and p.name.endswith((".log", ".log.gz"))]
        except OSError:
            return
        if not logs:
            return
        keep = d / f"crashed-{n.restarts + 1}"
        try:
            keep.mkdir(exist_ok=True)
            for p in logs:
                p.rename(keep / p.name)
        except OSError as e:
            self._say(f"cannot keep the logs of {n.name}'s crashed run: {e.strerror or e}")
            return
        self._say(f"kept the logs of {n.name}'s crashed run in {keep}")

    def _restart_due(self) -> None:
        now = time.monotonic()
        for n in self.nodes.values():
            if n.state == "backoff" and now >= n.next_start:
                n.restarts += 1
                self._spawn(n)

    def _fail(self, message: str, detail: str = "", node: str | None = None) -> None:
        text = message
        if node is not None:
            where = self.run_dir / node / "stderr"
            text += f"\n--- last lines of {where}:\n{detail or '(empty)'}"
        self.error = text
        self.phase = "failed"
        self._say(text)

    def _fail_timeout(self, waiting: list[NodeProcess]) -> None:
        names = ", ".join(n.name for n in waiting)
        parts = [f"not up within {self.startup_timeout:g} s: {names}"]
        for n in waiting:
            st = self._status(n)
            if st is None or not st.get("up"):
                why = "it never reported up"
            else:
                live = self._live_peers()
                missing = sorted(live - {n.name} - set(st.get("peers_up") or ()))
                why = f"it has not seen {', '.join(missing)} come up"
            where = self.run_dir / n.name / "stderr"
            detail = tail(where) or "(empty)"
            parts.append(f"--- {n.name}: {why}; last lines of {where}:\n{detail}")
        self.error = "\n".join(parts)
        self.phase = "failed"
        self._say(self.error)

    # ------------------------------------------------------------ stopping

    def _stop_all(self) -> None:
        if self.phase not in ("failed", "finished"):
            self.phase = "stopping"
        timeout = self._requested_stop_timeout()
        for n in self.nodes.values():
            if n.state == "backoff":
                n.state = "stopped"
        for group in stop_groups(self.layout):
            procs = [self.nodes[name] for name in group if name in self.nodes]
            procs = [n for n in procs if n.running]
            if not procs:
                continue
            for n in procs:
                n.state = "stopping"
                try:
                    n.proc.send_signal(signal.SIGTERM)
                except ProcessLookupError:
                    pass
            self._say(f"stopping {', '.join(n.name for n in procs)} (SIGTERM)")
            self._write_state(force=True)
            deadline = time.monotonic() + timeout
            while any(n.running for n in procs):
                if self._kill_now or time.monotonic() > deadline:
                    break
                self._wait(POLL)
            for n in procs:
                if n.running:
                    n.proc.kill()
                    n.killed = True
                    why = (
                        "on a second stop request"
                        if self._kill_now
                        else (f"it did not stop within {timeout:g} s of SIGTERM")
                    )
                    note = f"killed {n.name} (pid {n.pid}) with SIGKILL: {why}"
                    self.notes.append(note)
                    self._say(note)
                code = n.proc.wait()
                n.last_exit = "SIGKILL" if n.killed else _exit_reason(code)
                n.state = "killed" if n.killed else "stopped"
            self._write_state(force=True)

    def _requested_stop_timeout(self) -> float:
        req = read_json(self.run_dir / STOP_REQUEST_FILE)
        if req is not None:
            (self.run_dir / STOP_REQUEST_FILE).unlink(missing_ok=True)
            t = req.get("timeout")
            if isinstance(t, int | float) and t > 0:
                return float(t)
        return self.stop_timeout

    # ------------------------------------------------------------ reporting

    def _wait(self, timeout: float) -> None:
        if self.relay is not None:
            self.relay.wait(timeout)
        else:
            time.sleep(timeout)

    def _say(self, msg: str) -> None:
        self.say(msg)

    def state(self) -> dict:
        return {
            "pid": os.getpid(),
            "phase": self.phase,
            "foreground": self.foreground,
            "started": self.started,
            "updated": time.time(),
            "run_dir": str(self.run_dir),
            "layout": str(self.layout_file),
            "scripts": list(self.scripts),
            "remote_manager": self.remote_manager,
            "error": self.error,
            "notes": list(self.notes),
            "nodes": {name: n.as_dict() for name, n in self.nodes.items()},
        }

    def _write_state(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._state_written < 1.0:
            return
        self._state_written = now
        try:
            write_json(self.run_dir / STATE_FILE, self.state())
        except OSError as e:
            self.say(f"cannot write {self.run_dir / STATE_FILE}: {e.strerror}")


# ------------------------------------------------------------------ background entry point


def _log(msg: str) -> None:
    stamp = time.strftime("%Y-%m-%d %H:%M:%S")
    for line in msg.splitlines() or [""]:
        sys.stdout.write(f"{stamp} {line}\n")
    sys.stdout.flush()


def main(argv: list[str] | None = None) -> int:
    """``python -m zscript.cluster.supervisor RUN_DIR --lock-fd N [--timeout S] --script S...``:
    the background supervisor started by ``zscript cluster start``; output goes to
    ``supervisor.log``.  The caller holds the run directory's lock and passes it on."""
    p = argparse.ArgumentParser(prog="python -m zscript.cluster.supervisor")
    p.add_argument("run_dir")
    p.add_argument("--script", action="append", default=[], dest="scripts")
    p.add_argument("--lock-fd", type=int, required=True)
    p.add_argument("--timeout", type=float, default=STARTUP_TIMEOUT)
    p.add_argument("--node", action="append", dest="nodes", help="run only these nodes")
    args = p.parse_args(argv)
    run_dir = Path(args.run_dir)
    layout_file = run_dir / LAYOUT_FILE
    try:
        layout = load_layout(layout_file)
    except LayoutError as e:
        _log(f"error: {e}")
        return 1
    sup = Supervisor(
        run_dir,
        layout,
        layout_file,
        args.scripts,
        startup_timeout=args.timeout,
        say=_log,
        only=args.nodes,
    )
    sup.install_signal_handlers()
    _log(f"supervisor pid {os.getpid()} in {sup.run_dir}")
    code = sup.run()
    _log(f"supervisor exits ({sup.phase})")
    os.close(args.lock_fd)
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
