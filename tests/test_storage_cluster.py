"""``&backend`` tables shared by the nodes of a real multi-process cluster.

Each test starts ``zscript run NODE`` processes on 127.0.0.1 with free ports
(``clusterutil.py``) and stops them all at the end.  The tables replicate
over the cluster's ZeroMQ sockets (``zscript/cluster/storetransport.py``):
the master lives on the manager, the workers hold clones, and the last
write applied by the master wins everywhere.  The scripts are in
``tests/cluster/store_*.zs``.  The last tests drive the transport alone,
on a stand-in for the cluster subsystem.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from types import SimpleNamespace

from zscript.cluster.storetransport import STORE_FORMAT, ClusterStoreTransport

HERE = Path(__file__).parent / "cluster"
NODES = {"manager": "manager", "worker-1": "worker", "worker-2": "worker"}


def entries(c, node: str, *, run: int | None = None) -> list[str]:
    """The ``entry KEY VALUE`` lines ``node`` printed, sorted."""
    return sorted(ln for ln in c.output(node, run=run).splitlines() if ln.startswith("entry "))


def test_memory_table_converges_under_concurrent_writes(local_cluster):
    c = local_cluster(NODES, status=True)
    c.start_all([HERE / "store_memory.zs"])
    for node in NODES:
        c.wait_for(node, "table end")
    # A write on one worker reached the other.
    c.wait_for("worker-2", "worker-2 saw only-w1 42")
    # Both workers wrote the same keys at the same time ...
    out = c.output("manager")
    switches = int(out.split("writer switches ")[1].split()[0])
    assert switches >= 2, out
    # ... and every copy ends up with the master's values.
    master = entries(c, "manager")
    assert len(master) == 11, master
    assert "entry only-w1 42" in master
    for node in ("worker-1", "worker-2"):
        assert entries(c, node) == master, node
    # The last value of each key is one worker's last write to it.
    for line in master:
        _, key, value = line.split()
        if key != "only-w1":
            n = int(value) % 1000000
            assert n >= 3990 and f"k{n % 10}" == key, line
    # Store messages are neither events nor format mismatches.
    for node in NODES:
        st = c.wait_status(node, lambda s: s.get("up") and "format_mismatches" in s)
        assert st["format_mismatches"] == 0 and st["malformed"] == 0, (node, st)
        # They have counters of their own: each worker sent its 4000 writes
        # as one message per round of 100 (the writes of one handler go
        # together), and a snapshot request; the master received them all.
        assert st["store_messages_dropped"] == st["store_messages_pending"] == 0, (node, st)
    for node, key, n in [
        ("worker-1", "store_messages_sent", 41),
        ("worker-2", "store_messages_sent", 41),
        ("manager", "store_messages_received", 82),
    ]:
        c.wait_status(node, lambda s, key=key, n=n: s.get(key, 0) >= n)


def test_a_million_writes_leave_every_copy_equal(local_cluster, tmp_path):
    """Two workers write 500k keys each (250k of them the same keys) with the
    default queue limits: every copy ends up equal to the master's, a clone
    started afterwards too, and no store message is lost on the way.

    Costs about 40 s on a quiet 2-core machine (each worker 500k writes,
    the manager 1M, every copy checksummed)."""
    nodes = {"manager": "manager", "worker-1": "worker", "worker-2": "worker", "worker-3": "worker"}
    c = local_cluster(nodes, status=True)
    script = [HERE / "store_million.zs"]
    for node in ("manager", "worker-1", "worker-2"):
        c.start(node, script)
    long = 240.0
    out = c.wait_for("manager", "final size", timeout=long)
    final = [ln for ln in out.splitlines() if ln.startswith("final size")]
    assert final == ["final size 750000 sum " + final[0].split()[-1]], out
    for node in ("worker-1", "worker-2"):
        c.wait_for(node, "final size", timeout=long)
        got = [ln for ln in c.output(node).splitlines() if ln.startswith("final size")]
        assert got == final, (node, c.output(node)[-2000:])
    c.start("worker-3", script)
    out = c.wait_for("worker-3", "synced size", timeout=long)
    synced = [ln for ln in out.splitlines() if ln.startswith("synced size")]
    assert synced == [final[0].replace("final", "synced")], out
    # Nothing was lost, so nobody had to resynchronize.
    for node in nodes:
        assert "resync " not in c.output(node), (node, c.output(node)[-2000:])
        st = c.wait_status(node, lambda s: s.get("up"))
        assert st["store_messages_dropped"] == 0, (node, st)


def test_clone_started_before_the_master_converges(local_cluster):
    c = local_cluster({"manager": "manager", "worker-1": "worker"})
    script = [HERE / "store_startup.zs"]
    # worker-1 writes in zeek_init while nobody runs the proxy, let alone the master.
    c.start("worker-1", script)
    time.sleep(1.0)
    c.start("manager", script)
    for node in ("manager", "worker-1"):
        c.wait_for(node, "table end")
    expected = ["entry early-worker-1 2", "entry from-manager 1"]
    assert entries(c, "manager") == expected
    assert entries(c, "worker-1") == expected


def test_sqlite_table_survives_a_cluster_restart(local_cluster, tmp_path):
    store_dir = tmp_path / "stores"
    store_dir.mkdir()
    c = local_cluster(NODES)
    script = [HERE / "store_sqlite.zs"]
    env = {"STORE_DIR": str(store_dir), "PHASE": "write"}
    c.start_all(script, env=env)
    for node in NODES:
        c.wait_for(node, "table end")
    written = ["entry manager 1", "entry worker-1 11", "entry worker-2 22"]
    for node in NODES:
        assert entries(c, node, run=1) == written, node
    c.stop_all()  # SIGTERM: a clean shutdown writes everything
    for node in NODES:
        assert c.procs[node].returncode == 0, c.output(node)
    db = store_dir / "___sync_store_t.sqlite"
    assert db.exists()
    with sqlite3.connect(db) as con:
        assert con.execute("select count(*) from store").fetchone()[0] == 3

    c.start_all(script, env={**env, "PHASE": "read"})
    for node in NODES:
        c.wait_for(node, "table end", count=2)
    assert "manager starts with 3 entries" in c.output("manager", run=2)
    for node in NODES:
        assert entries(c, node, run=2) == written, node


def test_create_expire_expires_on_every_node(local_cluster):
    c = local_cluster(NODES)
    c.start_all([HERE / "store_expire.zs"])
    for node in NODES:
        out = c.wait_for(node, "TABLE_ELEMENT_EXPIRED x 1")
        assert "size 0" in out.split("TABLE_ELEMENT_EXPIRED x 1")[1], out
    # The writer and the master saw the entry come, then go.
    for node in ("manager", "worker-1"):
        assert "TABLE_ELEMENT_NEW x 1" in c.output(node)


def test_manager_restart_under_running_workers(local_cluster):
    c = local_cluster({"manager": "manager", "worker-1": "worker"})
    script = [HERE / "store_restart.zs"]
    c.start_all(script, env={"RUN": "1"})
    for node in ("manager", "worker-1"):
        c.wait_for(node, "table end")
    first = ["entry early-worker-1 2", "entry from-manager 1"]
    assert entries(c, "manager", run=1) == first
    assert entries(c, "worker-1") == first
    c.kill("manager")  # SIGKILL
    c.start("manager", script, env={"RUN": "2"})
    c.wait_for("manager", "table end", count=2)
    c.wait_for("worker-1", "table end", count=2)
    # The worker dropped its copy for the new master's data (heartbeats tell
    # it the master changed), and its next write reached the new master.
    assert "converged to 1 entries" in c.output("worker-1")
    after = ["entry after-restart 3", "entry from-manager 2"]
    assert entries(c, "manager", run=2) == after
    second = c.output("worker-1").split("table end")[1]
    assert sorted(ln for ln in second.splitlines() if ln.startswith("entry ")) == after


def test_writes_while_the_manager_is_down_reach_the_new_master(local_cluster):
    c = local_cluster({"manager": "manager", "worker-1": "worker"})
    script = [HERE / "store_down.zs"]
    c.start_all(script, env={"RUN": "1"})
    c.wait_for("manager", "has before")
    c.kill("manager")  # SIGKILL
    c.wait_for("worker-1", "wrote while the manager is down")
    c.start("manager", script, env={"RUN": "2"})
    c.wait_for("manager", "table end")
    c.wait_for("worker-1", "table end")
    # A new Broker::MEMORY master starts empty: the kept write reached it, and
    # the worker converged to the master's data ("before" went with the old one).
    want = ["entry second-run 2", "entry while-down 3"]
    assert entries(c, "manager", run=2) == want
    assert entries(c, "worker-1") == want


# ------------------------------------------- the transport on its own (no processes)


class _Backend:
    def __init__(self):
        self.remote_topics: set[bytes] = set()
        self.sent: list[tuple[bytes, bytes, bytes]] = []
        self.subscribed: list[str] = []
        self.full = False

    def send_raw(self, topic, fmt, payload):
        if self.full:
            return False
        self.sent.append((topic, fmt, payload))
        return True

    def subscribe(self, topic):
        self.subscribed.append(topic)


class _Cluster:
    """What ClusterStoreTransport uses of a ClusterSubsystem."""

    def __init__(self):
        self.backend = None
        self.layout = None
        self.node = "worker-1"
        self.node_type = "worker"
        self.pending_subscriptions: set[str] = set()
        self.format_handlers = {}
        self.topic_listeners = []
        self.on_backend_up = []
        self.timers: list = []
        self.warnings: list[str] = []
        loop = SimpleNamespace(
            network_time=0.0,
            terminating=False,
            wake=lambda: None,
            timers=SimpleNamespace(add=lambda when, fn: self.timers.append(fn) or fn),
        )
        reporter = SimpleNamespace(warning=self.warnings.append)
        self.host = SimpleNamespace(loop=loop, reporter=reporter)

    def connect(self):
        self.backend = _Backend()
        for fn in self.on_backend_up:
            fn()

    def see(self, topic: str, subscribed: bool = True):
        (self.backend.remote_topics.add if subscribed else self.backend.remote_topics.discard)(
            topic.encode()
        )
        for fn in self.topic_listeners:
            fn(topic, subscribed)


def _payloads(be):
    return [(t.decode(), p) for t, _f, p in be.sent]


def test_transport_keeps_writes_until_the_master_is_reachable():
    c = _Cluster()
    t = ClusterStoreTransport(c)
    reached = []
    t.subscribe("zscript/store/x/clones", lambda m: None)
    assert c.pending_subscriptions == {"zscript/store/x/clones"}  # sent when connected
    t.watch("zscript/store/x/master", lambda: reached.append(len(c.backend.sent)))
    assert reached == []
    t.publish("zscript/store/x/master", b"w1")
    t.publish("zscript/store/x/clones", b"nobody-waits")  # not watched: dropped
    c.connect()
    t.publish("zscript/store/x/master", b"w2")
    assert c.backend.sent == [] and reached == []
    c.see("zeek/cluster/nodeid/abc")  # another topic: still unreachable
    assert c.backend.sent == []
    c.see("zscript/store/x/master")
    # The kept writes went out in order, before the watcher ran.
    assert _payloads(c.backend) == [
        ("zscript/store/x/master", b"w1"),
        ("zscript/store/x/master", b"w2"),
    ]
    assert reached == [2]
    assert {f for _t, f, _p in c.backend.sent} == {STORE_FORMAT}
    t.publish("zscript/store/x/master", b"w3")  # reachable: straight out
    assert _payloads(c.backend)[-1] == ("zscript/store/x/master", b"w3")
    # Seen again after going away: the watcher runs again.
    c.see("zscript/store/x/master", False)
    c.see("zscript/store/x/master")
    assert reached == [2, 3]
    assert t.stats()["store_messages_sent"] == 3


def test_transport_retries_a_full_send_queue_in_order():
    c = _Cluster()
    t = ClusterStoreTransport(c)
    t.watch("s/master", lambda: None)
    c.connect()
    c.see("s/")  # a prefix subscription makes the topic reachable
    c.backend.full = True
    t.publish("s/master", b"1")
    t.publish("s/master", b"2")
    assert c.backend.sent == [] and len(c.timers) == 1
    c.backend.full = False
    t.publish("s/master", b"3")  # behind the kept ones
    assert c.backend.sent == []
    c.timers.pop()()
    assert [p for _t, p in _payloads(c.backend)] == [b"1", b"2", b"3"]


def test_transport_drops_the_oldest_kept_messages_past_its_limit():
    c = _Cluster()
    t = ClusterStoreTransport(c, max_pending=3)
    t.watch("s/master", lambda: None)
    for i in range(5):
        t.publish("s/master", str(i).encode())
    c.connect()
    c.see("s/master")
    assert [p for _t, p in _payloads(c.backend)] == [b"2", b"3", b"4"]
    assert t.stats()["store_messages_dropped"] == 2 and len(c.warnings) == 1


def test_transport_tells_its_drop_listeners():
    c = _Cluster()
    t = ClusterStoreTransport(c, max_pending=2)
    dropped = []
    t.drop_listeners.append(dropped.append)
    t.watch("s/master", lambda: None)
    for i in range(4):
        t.publish("s/master", str(i).encode())
    assert dropped == ["s/master", "s/master"]


def test_transport_slows_a_masters_updates_instead_of_losing_them():
    """An update to clones (an unwatched topic) refused by a full send queue
    is kept and sent again in order; once nobody listens, kept ones go."""
    c = _Cluster()
    t = ClusterStoreTransport(c)
    c.connect()
    c.see("s/clones")
    c.backend.full = True
    t.publish("s/clones", b"1")
    t.publish("s/clones", b"2")
    assert c.backend.sent == [] and len(c.timers) == 1
    c.backend.full = False
    c.timers.pop()()
    assert [p for _t, p in _payloads(c.backend)] == [b"1", b"2"]
    # Nobody subscribed: sent as before (ZeroMQ drops it), never kept.
    c.see("s/clones", False)
    c.backend.full = True
    t.publish("s/clones", b"3")
    assert t.stats()["store_messages_pending"] == 0
    assert t.stats()["store_messages_dropped"] == 0


def test_transport_routes_received_messages_by_topic():
    c = _Cluster()
    t = ClusterStoreTransport(c)
    got = []
    t.subscribe("s/clones", got.append)
    t.subscribe("s/clones", got.append)  # the same callback once
    handler = c.format_handlers[STORE_FORMAT]
    handler(b"s/clones", b"m1")
    handler(b"s/clones-other", b"m2")  # matched a prefix only
    assert got == [b"m1"] and t.stats()["store_messages_received"] == 1
    assert not t.is_master  # the node's type in Cluster::nodes decides
    c.node_type = "manager"
    assert t.is_master
