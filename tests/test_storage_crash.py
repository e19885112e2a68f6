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


@pytest.mark.parametrize("journal", ["wal", "delete"])
def test_kill_9_loses_nothing_acknowledged(tmp_path, journal):
    (tmp_path / "writer.zs").write_text(WRITER.replace("JOURNAL", journal))
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(
        [sys.executable, "-m", "zscript", "run", "standalone", "writer.zs"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    acked: list[int] = []
    try:
        deadline = time.monotonic() + 60
        while len(acked) < 300 and time.monotonic() < deadline:
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
    assert len(acked) >= 300, err
    assert proc.returncode == -signal.SIGKILL

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
