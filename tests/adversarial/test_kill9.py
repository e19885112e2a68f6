"""Adversarial suite, crashes: ``kill -9`` of each node role under load.

A cluster (manager, logger-1, proxy-1, worker-1, worker-2) runs ``load.zs``
under the supervisor (``zscript cluster start``): both workers write their
own keys to an ``&backend=Broker::SQLITE`` table, log a row per key and
publish it to the proxy.  While they write, the proxy, worker-2, the manager
and the logger are killed with SIGKILL, one after the other; the supervisor
starts each again.  Then it compares what was acknowledged with what
survived:

* **table**: every key worker-1 wrote (it is never killed: it keeps each
  write until the manager confirms it), and every key of worker-2 that the
  manager had committed when worker-2 was killed (read from the manager's
  file right then), must be in the manager's file at the end; worker-1's own
  copy must hold every key.  Keys worker-2 wrote but the manager never
  confirmed die with it: they were not acknowledged.
* **logs**: every row the logger had on disk when it was killed must still be
  on disk at the end (the supervisor keeps a crashed node's logs), and the
  logger must be writing again after it came back.

The numbers (kills tried, nodes that came back, acknowledged items lost) are
printed per role.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from clusterutil import free_ports

HERE = Path(__file__).resolve().parent
NODES = {
    "manager": "manager",
    "logger-1": "logger",
    "proxy-1": "proxy",
    "worker-1": "worker",
    "worker-2": "worker",
}
TOTAL = 2500
#: worker-1's key at which each role is killed.
KILLS = (("proxy-1", 300), ("worker-2", 800), ("manager", 1400), ("logger-1", 2000))
WAIT = 180.0


def _keys(db: Path) -> set[str]:
    con = sqlite3.connect(db, timeout=30)
    try:
        return {json.loads(k) for (k,) in con.execute("select key_str from store")}
    finally:
        con.close()


def _log_rows(directory: Path) -> set[tuple[str, str]]:
    """``(node, key)`` of every row of the load log under ``directory`` (kept ones too)."""
    rows = set()
    for f in directory.rglob("load*.log"):
        for line in f.read_text(errors="replace").splitlines():
            if line and not line.startswith("#"):
                node, key = line.split("\t")[:2]
                rows.add((node, key))
    return rows


def _late_rows(rows: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """The rows worker-1 logged well after the logger was killed."""
    return {r for r in rows if r[0] == "worker-1" and int(r[1][3:]) > KILLS[-1][1] + 200}


def _zscript(*args, cwd: Path, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "zscript", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )


def _output(rd: Path, node: str) -> str:
    try:
        return (rd / node / "stdout").read_text(errors="replace")
    except OSError:
        return ""


def _wait(rd: Path, node: str, text: str, count: int = 1) -> None:
    deadline = time.monotonic() + WAIT
    while _output(rd, node).count(text) < count:
        if time.monotonic() > deadline:
            raise AssertionError(
                f"{node}: {text!r} x{count} not within {WAIT} s:\n{_output(rd, node)[-3000:]}"
            )
        time.sleep(0.2)


def _pid(rd: Path, node: str) -> int:
    return json.loads((rd / "supervisor.json").read_text())["nodes"][node]["pid"]


def test_kill_9_of_each_role_under_load(tmp_path):
    store = tmp_path / "stores"
    store.mkdir()
    db = store / "___sync_store_Load::t.sqlite"
    layout = tmp_path / "cluster.toml"
    ports = free_ports(2 + 2 * len(NODES))
    lines = ["[cluster]", f"xpub_port = {ports.pop()}", f"xsub_port = {ports.pop()}"]
    for name, kind in NODES.items():
        lines += ["", f"[nodes.{name}]", f'type = "{kind}"', 'host = "127.0.0.1"']
        if kind == "logger":
            lines.append(f"port = {ports.pop()}")
        lines.append(f"metrics_port = {ports.pop()}")
    layout.write_text("\n".join(lines) + "\n")
    env = dict(os.environ, STORE_DIR=str(store), TOTAL=str(TOTAL))
    rd = tmp_path / "run"
    started = _zscript(
        "cluster",
        "start",
        HERE / "load.zs",
        "--layout",
        layout,
        "--run-dir",
        rd,
        cwd=tmp_path,
        env=env,
    )
    assert started.returncode == 0, started.stdout + started.stderr
    acked_w2: set[str] = set()
    on_disk: set[tuple[str, str]] = set()
    try:
        for role, at in KILLS:
            _wait(rd, "worker-1", f"wrote w1-{at}\n")
            if role == "logger-1":
                on_disk = _log_rows(rd / "logger-1")
            pid = _pid(rd, role)
            os.kill(pid, signal.SIGKILL)
            if role == "worker-2":
                time.sleep(1.0)  # what the master had committed by now was confirmed
                acked_w2 = {k for k in _keys(db) if k.startswith("w2-")}
            deadline = time.monotonic() + WAIT
            while _pid(rd, role) == pid:  # the supervisor starts it again
                assert time.monotonic() < deadline, (rd / "supervisor.log").read_text()
                time.sleep(0.2)
        _wait(rd, "worker-1", "done writing")
        _wait(rd, "worker-2", "done writing")
        _wait(rd, "manager", f"manager has {2 * TOTAL}\n")
        # The restarted logger writes what is in flight: wait for a row
        # worker-1 logged after the last kill (what ``late`` checks below).
        deadline = time.monotonic() + WAIT
        while not _late_rows(_log_rows(rd / "logger-1")):
            assert time.monotonic() < deadline, "the restarted logger wrote nothing"
            time.sleep(0.2)
    finally:
        stop = _zscript("cluster", "stop", "--run-dir", rd, cwd=tmp_path, env=env)
    assert stop.returncode == 0, stop.stdout + stop.stderr
    outputs = {n: _output(rd, n) for n in NODES}

    stored = _keys(db)
    lost_w1 = sorted({f"w1-{i}" for i in range(TOTAL)} - stored)
    lost_w2 = sorted(acked_w2 - stored)
    final_w1 = outputs["worker-1"].rsplit("final worker-1 table ", 1)[-1].split()[0]
    rows = _log_rows(rd / "logger-1")
    lost_rows = sorted(on_disk - rows)
    late = _late_rows(rows)
    lost = {
        "proxy-1": 0,
        "worker-2": len(lost_w2),
        "manager": len(lost_w1) + len(lost_w2),
        "logger-1": len(lost_rows),
    }
    log = (rd / "supervisor.log").read_text()
    for role, _ in KILLS:
        # Started again, and still running when the cluster was stopped.
        back = (
            log.count(f"started {role} (") == 2
            and f"{role} died" not in log.split("stop requested")[1]
        )
        ready = f"{role} is up again" in log
        print(
            f"kill -9 {role}: tried 1, survived {int(back)}, lost {lost[role]} acknowledged"
            f" (saw every peer again: {'yes' if ready else 'no'})"
        )
        assert back, log
    print(f"table: {len(stored)} keys stored; worker-2 had {len(acked_w2)} confirmed when killed")
    print(f"logs: {len(rows)} rows kept, {len(on_disk)} on disk when the logger was killed")
    assert lost_w1 == [], f"{len(lost_w1)} of worker-1's writes lost: {lost_w1[:20]}"
    assert lost_w2 == [], f"{len(lost_w2)} confirmed writes of worker-2 lost: {lost_w2[:20]}"
    assert int(final_w1) == 2 * TOTAL, outputs["worker-1"][-2000:]
    assert lost_rows == [], f"{len(lost_rows)} log rows on disk before the kill are gone"
    assert late, "the restarted logger wrote nothing"
