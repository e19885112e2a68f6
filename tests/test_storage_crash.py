"""Durability: ``kill -9`` of the process writing to an SQLite backend.

A child ``zscript`` process puts entries in a loop with
``synchronous=full`` and prints each key once its put returned
``SUCCESS``.  The test kills it with SIGKILL in the middle of the stream;
the database must then pass ``pragma integrity_check`` and contain every
acknowledged key, and the backend must open it again.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from zscript.storage.serializers import JSONSerializer
from zscript.storage.sqlite import SQLiteBackend
from zscript.types import COUNT, STRING

WRITER = """
@load base/frameworks/storage/sync
@load policy/frameworks/storage/backend/sqlite

event zeek_init() {
    local opts: Storage::BackendOptions;
    opts$sqlite = [$database_path="crash.sqlite", $table_name="t",
                   $pragma_commands=table(["integrity_check"] = "", ["journal_mode"] = "JOURNAL",
                                          ["synchronous"] = "full")];
    local r = Storage::Sync::open_backend(Storage::STORAGE_BACKEND_SQLITE, opts, count, string);
    if ( r$code != Storage::SUCCESS ) {
        print r$error_str;
        return;
    }
    local i = 0;
    while ( T ) {
        if ( Storage::Sync::put(r$value, [$key=i, $value=fmt("value-%d", i)])$code == Storage::SUCCESS )
            print i;
        ++i;
    }
}
"""


def run_and_kill(directory, script: str, n: int) -> tuple[list[int], int]:
    """Run ``script``, read the numbers it prints (acknowledgements) until there
    are ``n``, kill it with SIGKILL; return every number it printed, and its
    exit status."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "zscript", "run", "standalone", script],
        cwd=directory,
        env=dict(os.environ, PYTHONUNBUFFERED="1"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    acked: list[int] = []
    try:
        deadline = time.monotonic() + 60
        while len(acked) < n and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            acked.append(int(line))
        os.kill(proc.pid, signal.SIGKILL)
        # Whatever was acknowledged before the kill took effect counts too.
        rest, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    acked += [int(x) for x in rest.split()]
    assert len(acked) >= n, err
    return acked, proc.returncode


@pytest.mark.parametrize("journal", ["wal", "delete"])
def test_kill_9_loses_nothing_acknowledged(tmp_path, journal):
    (tmp_path / "writer.zs").write_text(WRITER.replace("JOURNAL", journal))
    acked, returncode = run_and_kill(tmp_path, "writer.zs", 300)
    assert returncode == -signal.SIGKILL

    db = sqlite3.connect(tmp_path / "crash.sqlite")
    assert db.execute("pragma integrity_check").fetchall() == [("ok",)]
    stored = {k for (k,) in db.execute("select key_str from t")}
    db.close()
    missing = [i for i in acked if f"JSONv1;{i}".encode() not in stored]
    assert missing == []

    # The backend opens the file again and reads an acknowledged entry.
    b = SQLiteBackend()
    cfg = {
        "database_path": str(tmp_path / "crash.sqlite"),
        "table_name": "t",
        "pragma_commands": {"integrity_check": "", "journal_mode": journal},
    }
    assert b.open(cfg, COUNT, STRING, JSONSerializer()).ok
    from zscript.runtime.values import box

    r = b.get(box(acked[-1], COUNT))
    assert r.ok and r.value == f"value-{acked[-1]}"
    b.close()


# ------------------------------------------------ &backend tables (issue 12)

BACKEND_WRITER = """
redef exit_only_after_terminate = T;

global t: table[count] of string &backend=Broker::SQLITE;
global write: event(i: count);
global ack: event(i: count);

event write(i: count)
    {
    t[i] = fmt("value-%d", i);
    # Raised here, run after this handler returned: the write is durable then.
    event ack(i);
    event write(i + 1);
    }

event ack(i: count)
    {
    print i;
    }

event zeek_init()
    {
    event write(|t|);
    }
"""


def _stored_keys(path) -> set[int]:
    db = sqlite3.connect(path)
    try:
        assert db.execute("pragma integrity_check").fetchall() == [("ok",)]
        return {int(k) for (k,) in db.execute("select key_str from store")}
    finally:
        db.close()


def test_backend_table_keeps_every_write_whose_handler_returned(tmp_path):
    """``kill -9`` of a standalone process writing an ``&backend=Broker::SQLITE``
    table: every write acknowledged after its handler returned is in the file,
    and the next run starts from there."""
    (tmp_path / "writer.zs").write_text(BACKEND_WRITER)
    for run in range(2):
        acked, _ = run_and_kill(tmp_path, "writer.zs", 500)
        stored = _stored_keys(tmp_path / "___sync_store_t.sqlite")
        missing = sorted(set(acked) - stored)
        assert missing == [], f"run {run}: {len(missing)} acknowledged writes lost: {missing[:20]}"
        if run == 1:
            assert acked[0] > 0  # the second run continued where the first stopped


def test_worker_writes_survive_kill_9_of_the_manager(local_cluster, tmp_path):
    """A worker writes an ``&backend=Broker::SQLITE`` table steadily; the manager
    (the master) is killed with SIGKILL and restarted, twice.  Every write the
    worker made is in the master's file and in the worker's own copy at the
    end: the worker sends what the dead master had not confirmed again."""
    total = 1200
    store_dir = tmp_path / "stores"
    store_dir.mkdir()
    nodes = {"manager": "manager", "worker-1": "worker"}
    c = local_cluster(nodes)
    script = [Path(__file__).parent / "cluster" / "store_durable.zs"]
    env = {"STORE_DIR": str(store_dir), "TOTAL": str(total)}
    c.start_all(script, env=env)
    for kill_at in (200, 600):
        c.wait_for("worker-1", f"wrote {kill_at}", timeout=120)
        c.kill("manager")  # SIGKILL
        c.procs["manager"].wait(timeout=30)
        time.sleep(0.5)  # the worker keeps writing meanwhile
        c.start("manager", script, env=env)
    c.wait_for("worker-1", "done writing", timeout=180)
    c.wait_for("manager", f"manager has {total}", timeout=120)
    c.stop_all()
    final = {n: c.output(n).rsplit("final ", 1)[-1].splitlines()[0] for n in nodes}
    assert final["worker-1"] == f"{total} []", c.output("worker-1")[-2000:]
    assert final["manager"] == f"{total} []", c.output("manager")[-2000:]
    stored = _stored_keys(store_dir / "___sync_store_t.sqlite")
    assert sorted(set(range(total)) - stored) == []
