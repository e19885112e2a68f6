"""Multi-process cluster behaviour: liveness, pub/sub, @if per node type.

Each test starts real ``zscript run NODE`` processes on 127.0.0.1 with free
ports (see ``clusterutil.py``) and stops them all at the end.
"""

from __future__ import annotations

import time
from pathlib import Path

HERE = Path(__file__).parent / "cluster"
LIVENESS = HERE / "liveness.zs"


def test_node_up_down_after_kill_and_restart(local_cluster):
    c = local_cluster({"manager": "manager", "worker-1": "worker", "worker-2": "worker"})
    c.start_all([LIVENESS])
    c.wait_for("manager", "node_up worker-1")
    c.wait_for("manager", "node_up worker-2")
    c.wait_for("worker-1", "node_up worker-2")  # workers see each other too
    c.kill("worker-2")  # SIGKILL: no goodbye
    t0 = time.monotonic()
    c.wait_for("manager", "node_down worker-2", timeout=5)
    c.wait_for("worker-1", "node_down worker-2", timeout=5)
    assert time.monotonic() - t0 < 2.0 + 0.5  # polling slack
    c.start("worker-2", [LIVENESS])
    c.wait_for("manager", "node_up worker-2", count=2)
    c.wait_for("worker-2", "node_up manager", count=2)
