"""The cluster's run directory: its files, its lock, and reading it back.

One directory holds everything about a cluster run by the supervisor
(:mod:`.supervisor`)::

    DIR/supervisor.json        the supervisor's state (pid, phase, nodes), rewritten atomically
    DIR/supervisor.lock        flock-ed for as long as a supervisor runs in DIR
    DIR/supervisor.log         the background supervisor's own messages
    DIR/layout.toml            the layout the nodes run with (a copy)
    DIR/<node>/stdout, stderr  the node's output (the node's working directory, too)
    DIR/<node>.status.json     written by the node itself every second (``ZSCRIPT_CLUSTER_RUN_DIR``)

A supervisor runs in DIR exactly when the lock is held (:func:`run_dir_locked`);
the lock goes away with the process, so a killed supervisor never blocks a new
start.  :func:`cluster_status` combines the supervisor's state with the
nodes' own status files into what ``zscript cluster status`` shows.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from pathlib import Path

__all__ = [
    "LAYOUT_FILE",
    "LOCK_FILE",
    "LOG_FILE",
    "STATE_FILE",
    "STOP_REQUEST_FILE",
    "cluster_status",
    "is_zscript",
    "lock_run_dir",
    "pid_alive",
    "read_json",
    "read_state",
    "run_dir_locked",
    "tail",
    "write_json",
]

STATE_FILE = "supervisor.json"
LOCK_FILE = "supervisor.lock"
LOG_FILE = "supervisor.log"
LAYOUT_FILE = "layout.toml"
#: Written by ``zscript cluster stop --timeout`` before it signals the supervisor.
STOP_REQUEST_FILE = "stop-request.json"

#: A node whose status file is older than this while it runs is shown as stalled.
STALE_AFTER = 5.0
#: Lines of a failed node's stderr shown when the start fails.
TAIL_LINES = 20


def pid_alive(pid: int | None) -> bool:
    """Whether process ``pid`` exists and is not a zombie."""
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rpartition(")")[2].split()[:1] != ["Z"]


def is_zscript(pid: int) -> bool:
    """Whether ``pid`` still runs zscript (guards against a reused pid)."""
    try:
        return b"zscript" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return pid_alive(pid)


def write_json(path: Path, data: dict) -> None:
    """Replace ``path`` atomically with ``data`` as JSON."""
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=1)
    os.replace(tmp, path)


def read_json(path: Path) -> dict | None:
    """The JSON object in ``path``; None if it is missing or not an object."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def read_state(run_dir: Path) -> dict | None:
    """The supervisor's state file, or None if there is none."""
    return read_json(Path(run_dir) / STATE_FILE)


def lock_run_dir(run_dir: Path) -> int | None:
    """Take the run directory's lock; the open fd, or None if a supervisor holds it."""
    fd = os.open(Path(run_dir) / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


def run_dir_locked(run_dir: Path) -> bool:
    """Whether a supervisor runs in ``run_dir`` (it holds the lock)."""
    if not (Path(run_dir) / LOCK_FILE).exists():
        return False
    fd = lock_run_dir(run_dir)
    if fd is None:
        return True
    os.close(fd)
    return False


def tail(path: Path, lines: int = TAIL_LINES) -> str:
    """The last ``lines`` lines of a text file (\"\" if it cannot be read)."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    return "\n".join(text.rstrip("\n").splitlines()[-lines:])


#: Status counters of messages a node dropped: events it could not send
#: (send queue full), events received but not run (local queue full, another
#: serialization format, an event it does not declare, an event only the node
#: itself raises), publishes and subscriptions refused for an overlong topic,
#: and log batches it could not hand to a logger.  The node's metrics have the same counters.
DROP_KEYS = (
    "send_drops",
    "recv_drops",
    "format_mismatches",
    "unknown_events",
    "local_events",
    "refused_topics",
    "log_send_drops",
)
#: Status counters of received messages that could not be decoded (events, log batches).
MALFORMED_KEYS = ("malformed", "log_malformed")


def _node_view(name: str, rec: dict, run_dir: Path, supervised: bool) -> dict:
    pid = rec.get("pid")
    running = pid_alive(pid) and is_zscript(pid)
    st = read_json(run_dir / f"{name}.status.json")
    if st is not None and st.get("pid") != pid:
        st = None
    state = rec.get("state", "?")
    if not supervised:
        if running:
            state = "running (unsupervised)"
        elif state in ("starting", "up", "backoff", "stopping"):
            state = "gone"
    elif state == "up" and st is not None and time.time() - st.get("updated", 0) > STALE_AFTER:
        state = "stalled"
    view = {
        "name": name,
        "type": rec.get("type", "?"),
        "state": state,
        "pid": pid if running else None,
        "last_pid": pid,
        "running": running,
        "up_since": rec.get("started") if running else None,
        "restarts": rec.get("restarts", 0),
        "last_exit": rec.get("last_exit"),
    }
    for key in ("events_in", "events_out", *DROP_KEYS, *MALFORMED_KEYS):
        view[key] = st.get(key, 0) if st is not None else None
    # Every message the node dropped is in exactly one of these two sums.
    view["drops"] = sum(st.get(k, 0) for k in DROP_KEYS) if st is not None else None
    view["malformed_total"] = sum(st.get(k, 0) for k in MALFORMED_KEYS) if st is not None else None
    view["peers_up"] = st.get("peers_up") if st is not None else None
    return view


def cluster_status(run_dir: Path) -> dict | None:
    """What ``zscript cluster status`` shows: the supervisor and every node; None
    when the directory has no supervisor state."""
    run_dir = Path(run_dir)
    state = read_state(run_dir)
    if state is None:
        return None
    alive = run_dir_locked(run_dir)
    nodes = state.get("nodes") or {}
    return {
        "run_dir": str(run_dir.resolve()),
        "supervisor": {
            "pid": state.get("pid"),
            "alive": alive,
            "phase": state.get("phase") if alive else final_phase(state),
            "started": state.get("started"),
            "updated": state.get("updated"),
            "foreground": state.get("foreground", False),
            "error": state.get("error"),
            "notes": state.get("notes") or [],
        },
        "nodes": [_node_view(name, rec, run_dir, alive) for name, rec in nodes.items()],
    }


def final_phase(state: dict) -> str:
    """The phase of a supervisor that is no longer running."""
    phase = state.get("phase", "?")
    return phase if phase in ("stopped", "finished", "failed") else "gone (supervisor died)"
