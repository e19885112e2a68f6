"""``zscript cluster ...``: run a cluster, on this machine or over several hosts.

``zscript cluster layout [--layout FILE]``
    print the layout as TOML (the built-in default without ``--layout``), a
    file to start from.

``zscript cluster keys [--env]``
    print a new set of CURVE keys for an encrypted cluster (:mod:`.curve`):
    the lines to add to the ``[cluster]`` table of a layout next to
    ``encryption = true``, or with ``--env`` the shell commands setting
    Zeek's ``ZEEK_CLUSTER_BACKEND_ZEROMQ_CURVE_*`` variables.

``zscript cluster start [--layout FILE] [--host HOST] [--run-dir DIR] [--foreground] [--timeout S] SCRIPT...``
    start this host's nodes of the layout with the scripts: those on one of
    this machine's addresses, or on ``--host``'s (:mod:`.hosts`), every node
    of a layout on 127.0.0.1 (see :mod:`.supervisor`
    for the restart policy and :mod:`.rundir` for the files in the run
    directory), wait until every node is up, print the status table and
    return, leaving a background supervisor that watches the nodes.  With
    ``--foreground`` the supervisor runs in the terminal instead, printing
    every node's output prefixed with its name, until the manager finishes or
    Ctrl-C / SIGTERM stops the cluster; it exits 0 when the cluster ended
    normally.  ``--timeout`` is how long the nodes may take to come up
    (default 60 s).

``zscript cluster status [--run-dir DIR] [--json]``
    one line per node: role, state, pid, up since, events in/out, drops
    (every message the node dropped: events it could not send, events
    received but not run, log batches no logger took; ``--json`` has each
    counter), malformed messages, restarts.  The node's metrics have the
    same counters.  Nodes of other hosts are shown as the manager sees them
    (up or down), asked for over HTTP (``/cluster.json`` on the manager's
    metrics port).

``zscript cluster stop [--run-dir DIR] [--timeout S]``
    stop the nodes in order (workers and proxies, the manager, the loggers) with
    SIGTERM so ``zeek_done`` runs everywhere; SIGKILL only for nodes still
    running after the timeout (default 20 s per group), which is reported.

The run directory defaults to ``./zscript-cluster``.  Errors are one line on
stderr and a non-zero exit status.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from .hosts import ask_manager, select_nodes
from .layout import Layout, LayoutError, load_layout
from .rundir import (
    LAYOUT_FILE,
    LOG_FILE,
    STATE_FILE,
    STOP_REQUEST_FILE,
    cluster_status,
    lock_run_dir,
    pid_alive,
    read_state,
    run_dir_locked,
    tail,
)
from .supervisor import STARTUP_TIMEOUT, STOP_ORDER, STOP_TIMEOUT, OutputRelay, Supervisor

__all__ = ["VALUE_OPTIONS", "add_cluster_parser", "format_status"]

DEFAULT_RUN_DIR = "zscript-cluster"
#: The options below that take a value (for ``zscript.cli._options_first``).
VALUE_OPTIONS = {"--layout", "--run-dir", "--timeout", "--host"}


class _Fail(Exception):
    """A user-facing error: printed as ``error: <message>``, exit status 1."""


def add_cluster_parser(sub) -> None:
    """Add ``cluster`` and its subcommands to the subparsers of the ``zscript`` parser."""
    c = sub.add_parser("cluster", help="start, watch and stop a whole cluster on this machine")
    cs = c.add_subparsers(dest="cluster_command", required=True, metavar="COMMAND")

    lay = cs.add_parser("layout", help="print the cluster layout as TOML (a file to start from)")
    lay.add_argument("--layout", help="layout file to print (default: the built-in layout)")
    lay.set_defaults(func=cmd_layout)

    k = cs.add_parser("keys", help="print new CURVE keys for an encrypted cluster")
    k.add_argument(
        "--env",
        action="store_true",
        help="print shell commands setting the ZEEK_CLUSTER_BACKEND_ZEROMQ_CURVE_* variables",
    )
    k.set_defaults(func=cmd_keys)

    st = cs.add_parser("start", help="start every node of the layout with the scripts")
    st.add_argument("scripts", nargs="+", metavar="SCRIPT", help="scripts every node loads")
    st.add_argument("--layout", help="cluster layout file (TOML; default: the built-in layout)")
    st.add_argument(
        "--host",
        action="append",
        metavar="HOST",
        help="start the nodes on this host's addresses (an address or a name; may be "
        "repeated; default: the nodes on this machine's addresses)",
    )
    _run_dir_option(st)
    st.add_argument(
        "--foreground",
        action="store_true",
        help="supervise in this terminal, showing the nodes' output, until the cluster ends",
    )
    st.add_argument(
        "--timeout",
        type=float,
        default=STARTUP_TIMEOUT,
        help=f"seconds the nodes may take to come up (default {STARTUP_TIMEOUT:g})",
    )
    st.set_defaults(func=cmd_start)

    s = cs.add_parser("status", help="show the nodes of the cluster running in the run directory")
    _run_dir_option(s)
    s.add_argument("--json", action="store_true", help="print the status as JSON")
    s.set_defaults(func=cmd_status)

    sp = cs.add_parser("stop", help="stop the cluster cleanly (zeek_done runs on every node)")
    _run_dir_option(sp)
    sp.add_argument(
        "--timeout",
        type=float,
        default=STOP_TIMEOUT,
        help=f"seconds to wait for each group of nodes before SIGKILL (default {STOP_TIMEOUT:g})",
    )
    sp.set_defaults(func=cmd_stop)


def _run_dir_option(p) -> None:
    p.add_argument(
        "--run-dir",
        default=DEFAULT_RUN_DIR,
        help=f"the cluster's run directory (default: ./{DEFAULT_RUN_DIR})",
    )


def _guarded(fn):
    def run(args) -> int:
        try:
            return fn(args)
        except (_Fail, LayoutError) as e:
            sys.stderr.write(f"error: {e}\n")
            return 1

    run.__doc__ = fn.__doc__
    return run


# ------------------------------------------------------------------ layout


@_guarded
def cmd_layout(args) -> int:
    sys.stdout.write(load_layout(args.layout).toml())
    return 0


@_guarded
def cmd_keys(args) -> int:
    from .curve import curve_toml, generate_keys, keys_environment

    keys = generate_keys()
    if args.env:
        for name, value in keys_environment(keys).items():
            sys.stdout.write(f"export {name}='{value}'\n")  # Z85 has no quote characters
    else:
        sys.stdout.write(
            "# CURVE keys for the [cluster] table of a layout (keep them secret)\n"
            "encryption = true\n" + curve_toml(keys)
        )
    return 0


# ------------------------------------------------------------------ start


def _script_args(scripts: list[str]) -> list[str]:
    """Scripts as the nodes see them: files made absolute (nodes run in their own
    directory); other names are left for the script search path."""
    out = []
    for s in scripts:
        if not os.path.isabs(s) and (os.path.exists(s) or os.path.exists(s + ".zs")):
            s = os.path.abspath(s)
        out.append(s)
    return out


def _prepare_run_dir(run_dir: Path, layout_path: str | None) -> tuple[int, Layout]:
    """Create ``run_dir``, take its lock and write the layout; (lock fd, layout)."""
    layout = load_layout(layout_path)
    try:
        run_dir.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise _Fail(f"cannot create run directory {run_dir}: {e.strerror}") from None
    try:
        fd = lock_run_dir(run_dir)
    except OSError as e:
        raise _Fail(f"cannot use run directory {run_dir}: {e.strerror}") from None
    if fd is None:
        pid = (read_state(run_dir) or {}).get("pid", "?")
        raise _Fail(
            f"a cluster is already running in {run_dir} (supervisor pid {pid}); "
            f"stop it first: zscript cluster stop --run-dir {run_dir}"
        )
    try:
        left = _leftover_nodes(run_dir)
        if left:
            names = ", ".join(f"{n} (pid {p})" for n, p in left)
            raise _Fail(
                f"nodes of an earlier cluster in {run_dir} are still running without a "
                f"supervisor: {names}; stop them first: zscript cluster stop --run-dir {run_dir}"
            )
        target = run_dir / LAYOUT_FILE
        try:
            if layout_path is None:
                target.write_text(layout.toml(), encoding="utf-8")
            elif Path(layout_path).resolve() != target.resolve():
                shutil.copyfile(layout_path, target)
        except OSError as e:
            raise _Fail(f"cannot write {target}: {e.strerror}") from None
    except BaseException:
        os.close(fd)
        raise
    return fd, layout


def _leftover_nodes(run_dir: Path) -> list[tuple[str, int]]:
    state = read_state(run_dir) or {}
    out = []
    for name, rec in (state.get("nodes") or {}).items():
        pid = rec.get("pid")
        if pid_alive(pid) and _cmdline_has(pid, name):
            out.append((name, pid))
    return out


def _cmdline_has(pid: int, name: str) -> bool:
    try:
        args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return True
    return b"zscript" in b" ".join(args) and name.encode() in args


@_guarded
def cmd_start(args) -> int:
    run_dir = Path(args.run_dir).resolve()
    if args.timeout <= 0:
        raise _Fail("--timeout must be positive")
    wanted = load_layout(args.layout)
    only = select_nodes(wanted, args.host)
    _check_shared_keys(wanted, only)
    fd, layout = _prepare_run_dir(run_dir, args.layout)
    scripts = _script_args(args.scripts)
    if args.foreground:
        try:
            return _start_foreground(run_dir, layout, scripts, args.timeout, only)
        finally:
            os.close(fd)
    try:
        sup = _spawn_supervisor(run_dir, scripts, args.timeout, fd, only)
    finally:
        os.close(fd)
    return _await_start(run_dir, sup, args.timeout)


def _check_shared_keys(layout: Layout, only: list[str]) -> None:
    """An encrypted cluster over several hosts needs the same CURVE keys on
    every host: keys the supervisor would make up for its own nodes would
    not be the other hosts'."""
    from .curve import environment_keys

    if (
        layout.encryption
        and layout.curve is None
        and set(only) != set(layout.nodes)
        and not environment_keys().client_enabled
    ):
        raise _Fail(
            "encryption is on and the nodes run on several hosts, which need the same "
            "CURVE keys: add the lines `zscript cluster keys` prints to the layout's "
            "[cluster] table, or set the variables `zscript cluster keys --env` prints "
            "on every host"
        )


def _spawn_supervisor(run_dir: Path, scripts: list[str], timeout: float, fd: int, only: list[str]):
    cmd = [sys.executable, "-m", "zscript.cluster.supervisor", str(run_dir)]
    cmd += ["--lock-fd", str(fd), "--timeout", str(timeout)]
    cmd += [f"--node={n}" for n in only]
    cmd += [f"--script={s}" for s in scripts]
    (run_dir / STATE_FILE).unlink(missing_ok=True)
    with open(run_dir / LOG_FILE, "ab") as log:
        return subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            pass_fds=(fd,),
            start_new_session=True,
        )


def _await_start(run_dir: Path, sup: subprocess.Popen, timeout: float) -> int:
    """Wait until the background supervisor has the cluster up (or gave up)."""
    try:
        return _await_supervisor(run_dir, sup, timeout)
    except KeyboardInterrupt:
        sys.stderr.write(
            f"interrupted; the supervisor (pid {sup.pid}) goes on in the background: "
            f"zscript cluster status|stop --run-dir {run_dir}\n"
        )
        return 130


def _await_supervisor(run_dir: Path, sup: subprocess.Popen, timeout: float) -> int:
    deadline = time.monotonic() + timeout + 3 * STOP_TIMEOUT + 30
    while True:
        state = read_state(run_dir) or {}
        phase = state.get("phase")
        if phase == "running":
            status = cluster_status(run_dir)
            _add_other_hosts(run_dir, status, ask=False)
            sys.stdout.write(format_status(status))
            sys.stdout.write(
                f"supervisor pid {sup.pid} watches the nodes; "
                f"stop them with: zscript cluster stop --run-dir {run_dir}\n"
            )
            return 0
        if sup.poll() is not None:
            break
        if time.monotonic() > deadline:
            raise _Fail(f"the cluster did not start; see {run_dir / LOG_FILE}")
        time.sleep(0.1)
    state = read_state(run_dir) or {}
    if state.get("phase") == "finished":
        sys.stdout.write("the cluster finished while starting (the manager exited with status 0)\n")
        return 0
    if state.get("phase") == "stopped":
        sys.stderr.write("error: the cluster was stopped while it was starting\n")
        return 1
    msg = state.get("error") or (
        f"the supervisor exited with status {sup.returncode}; last lines of "
        f"{run_dir / LOG_FILE}:\n{tail(run_dir / LOG_FILE)}"
    )
    sys.stderr.write(f"error: {msg}\nthe cluster was stopped\n")
    return 1


class _Prefixer:
    """Prints lines prefixed with the node's name: ``worker-1 | text``.  When the
    reader of the output goes away (``... | head``), ``on_close`` is called once."""

    def __init__(self, names: list[str]):
        self.width = max(len(n) for n in [*names, "supervisor"])
        self.closed = False
        self.on_close = lambda: None

    def line(self, name: str, stream: str, text: str) -> None:
        if self.closed:
            return
        out = sys.stderr if stream == "stderr" else sys.stdout
        try:
            out.write(f"{name:<{self.width}} | {text}\n")
            out.flush()
        except OSError:  # BrokenPipeError and friends: nobody reads any more
            self.closed = True
            self.on_close()

    def say(self, msg: str) -> None:
        for text in msg.splitlines():
            self.line("supervisor", "stdout", text)


def _start_foreground(
    run_dir: Path, layout: Layout, scripts: list[str], timeout: float, only: list[str]
) -> int:
    out = _Prefixer(only)
    sup = Supervisor(
        run_dir,
        layout,
        run_dir / LAYOUT_FILE,
        scripts,
        startup_timeout=timeout,
        say=out.say,
        relay=OutputRelay(out.line),
        foreground=True,
        only=only,
    )
    out.on_close = sup.request_stop
    sigs = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGPIPE)
    old = {s: signal.getsignal(s) for s in sigs}
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    sup.install_signal_handlers()
    try:
        code = sup.run()
    finally:
        for s, h in old.items():
            signal.signal(s, h)
    if sup.phase == "failed":
        sys.stderr.write("error: the cluster did not start (see above); it was stopped\n")
    elif code:
        sys.stderr.write("error: nodes had to be killed (see above)\n")
    else:
        out.say(f"cluster {sup.phase}; output and state in {run_dir}")
    return code


# ------------------------------------------------------------------ status


def _fmt_time(t: float | None) -> str:
    if not t:
        return "-"
    lt = time.localtime(t)
    if time.strftime("%Y-%m-%d", lt) == time.strftime("%Y-%m-%d"):
        return time.strftime("%H:%M:%S", lt)
    return time.strftime("%Y-%m-%d %H:%M", lt)


def _num(v) -> str:
    return "-" if v is None else str(v)


def format_status(status: dict) -> str:
    """The status table (and a header line about the supervisor)."""
    sup = status["supervisor"]
    if sup["alive"]:
        how = "in the foreground" if sup["foreground"] else "in the background"
        head = (
            f"cluster in {status['run_dir']}: {sup['phase']} "
            f"(supervisor pid {sup['pid']} {how}, since {_fmt_time(sup['started'])})"
        )
    else:
        head = f"no cluster is running in {status['run_dir']} (last one: {sup['phase']})"
    cols = ["NODE", "ROLE", "HOST", "STATE", "PID", "UP SINCE", "EVENTS IN", "EVENTS OUT"]
    cols += ["DROPS", "MALFORMED", "RESTARTS"]
    rows = []
    for n in status["nodes"]:
        state = n["state"]
        if n["last_exit"] and state in ("backoff", "done", "stopped", "killed", "failed"):
            state += f" ({n['last_exit']})"
        rows.append(
            [
                n["name"],
                n["type"],
                n.get("host") or "-",
                state,
                _num(n["pid"]),
                _fmt_time(n["up_since"]),
                _num(n["events_in"]),
                _num(n["events_out"]),
                _num(n["drops"]),
                _num(n["malformed_total"]),
                str(n["restarts"]),
            ]
        )
    widths = [max(len(r[i]) for r in [cols, *rows]) for i in range(len(cols))]
    lines = [head]
    for r in [cols, *rows]:
        lines.append("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
    if status.get("manager_error"):
        lines.append(f"other hosts' nodes unknown: {status['manager_error']}")
    if sup["error"]:
        lines.append(f"start failed: {sup['error']}")
    lines += sup["notes"]
    return "\n".join(lines) + "\n"


@_guarded
def cmd_status(args) -> int:
    run_dir = Path(args.run_dir)
    status = cluster_status(run_dir)
    if status is None:
        if args.json:
            sys.stdout.write(json.dumps({"run_dir": str(run_dir.resolve()), "running": False}))
            sys.stdout.write("\n")
        raise _Fail(f"no cluster is running in {run_dir} (no supervisor state there)")
    _add_other_hosts(run_dir, status)
    if args.json:
        status["running"] = status["supervisor"]["alive"]
        sys.stdout.write(json.dumps(status, indent=1) + "\n")
    else:
        sys.stdout.write(format_status(status))
    return 0 if status["supervisor"]["alive"] else 1


def _add_other_hosts(run_dir: Path, status: dict, ask: bool = True) -> None:
    """Add the nodes this run directory does not run (they run on other
    hosts) as the manager sees them: ``up``/``down``, without a pid or
    counters (those are on their host).  Nodes the manager knows beyond the
    layout are added too."""
    try:
        layout = load_layout(run_dir / LAYOUT_FILE)
    except LayoutError:
        return
    here = {n["name"] for n in status["nodes"]}
    for n in status["nodes"]:
        spec = layout.nodes.get(n["name"])
        n["host"], n["remote"] = (spec.host if spec else None), False
    if not ask or set(layout.nodes) <= here:
        return
    view, why = ask_manager(layout)
    seen = {v.get("name"): v for v in (view or {}).get("nodes", []) if isinstance(v, dict)}
    names = [*layout.nodes, *(n for n in seen if n not in layout.nodes)]
    for name in names:
        if name in here:
            continue
        v, spec = seen.get(name), layout.nodes.get(name)
        state = "unknown" if view is None else "up" if v and v.get("up") else "down"
        row = {"name": name, "type": spec.type if spec else (v or {}).get("type", "?")}
        row.update(host=spec.host if spec else (v or {}).get("host"), remote=True, state=state)
        row.update(pid=None, up_since=None, restarts=0, last_exit=None, running=state == "up")
        row.update(events_in=None, events_out=None, drops=None, malformed_total=None)
        row["id"] = (v or {}).get("id")
        status["nodes"].append(row)
    status["manager_error"] = why or None


# ------------------------------------------------------------------ stop


@_guarded
def cmd_stop(args) -> int:
    run_dir = Path(args.run_dir)
    if args.timeout <= 0:
        raise _Fail("--timeout must be positive")
    state = read_state(run_dir)
    if state is None:
        raise _Fail(f"no cluster is running in {run_dir} (no supervisor state there)")
    if not run_dir_locked(run_dir):
        return _stop_unsupervised(run_dir, args.timeout)
    pid = state.get("pid")
    (run_dir / STOP_REQUEST_FILE).write_text(json.dumps({"timeout": args.timeout}))
    try:
        os.kill(pid, signal.SIGTERM)
    except (ProcessLookupError, TypeError):
        raise _Fail(f"cannot signal the supervisor (pid {pid})") from None
    sys.stdout.write(f"stopping the cluster in {run_dir} (supervisor pid {pid}) ...\n")
    sys.stdout.flush()
    deadline = time.monotonic() + 3 * args.timeout + 30
    while run_dir_locked(run_dir):
        if time.monotonic() > deadline:
            raise _Fail(f"the supervisor (pid {pid}) did not stop; see {run_dir / LOG_FILE}")
        time.sleep(0.1)
    state = read_state(run_dir) or {}
    for note in state.get("notes") or []:
        sys.stdout.write(note + "\n")
    n = len(state.get("nodes") or {})
    sys.stdout.write(f"stopped {n} node{'s' if n != 1 else ''}\n")
    return 0


def _stop_unsupervised(run_dir: Path, timeout: float) -> int:
    """The supervisor is gone; stop what is left of its nodes, in the same order."""
    left = dict(_leftover_nodes(run_dir))
    if not left:
        raise _Fail(f"no cluster is running in {run_dir}")
    sys.stdout.write(
        f"the supervisor of {run_dir} is gone; stopping its nodes: {', '.join(left)}\n"
    )
    state = read_state(run_dir) or {}
    types = {name: rec.get("type", "worker") for name, rec in state.get("nodes", {}).items()}
    for group in STOP_ORDER:
        pids = {n: p for n, p in left.items() if types.get(n) in group}
        for p in pids.values():
            try:
                os.kill(p, signal.SIGTERM)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + timeout
        while any(pid_alive(p) for p in pids.values()) and time.monotonic() < deadline:
            time.sleep(0.1)
        for n, p in pids.items():
            if pid_alive(p):
                os.kill(p, signal.SIGKILL)
                sys.stdout.write(
                    f"killed {n} (pid {p}) with SIGKILL: it did not stop within "
                    f"{timeout:g} s of SIGTERM\n"
                )
    sys.stdout.write(f"stopped {len(left)} node{'s' if len(left) != 1 else ''}\n")
    return 0
