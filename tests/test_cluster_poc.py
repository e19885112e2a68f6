"""``&publish_on_change`` and Zeek-style layouts between real processes.

The nodes run ``tests/cluster/publish_on_change.zs`` (see its header) with
their layout in a ``cluster-layout.zeek`` on the search path, as Zeek's
tests run them (``LocalCluster(script_layout=True)``).  Checked: a whole
table reaches each worker that comes up (``Cluster::publish_table``), every
change of a listed kind reaches every other node once and is applied there
without being published again, ``&on_change`` runs for changes applied from
other nodes, and a removal propagates.
"""

from __future__ import annotations

import math
import re
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent / "cluster"
SCRIPT = HERE / "publish_on_change.zs"
NODES = {"manager": "manager", "worker-1": "worker", "worker-2": "worker"}


def test_changes_reach_every_node_once(local_cluster):
    c = local_cluster(NODES, script_layout=True, split_stderr=True)
    c.start_all([SCRIPT])
    out = c.wait_for(
        "manager", r"manager has both: seen=worker-(1,worker-2|2,worker-1)$", regex=True, timeout=40
    )
    for w in ("worker-1", "worker-2"):
        wout = c.wait_for(w, "worker-1 removed, seen: worker-2", timeout=30)
        assert "got the table: 7" in wout
        assert "timeout" not in wout
    assert "publish_table to worker-1: T" in out
    assert "publish_table to worker-2: T" in out
    # The manager's &on_change ran for each change the workers made.
    for w in ("worker-1", "worker-2"):
        assert f"on_change TABLE_ELEMENT_NEW {w} 1" in out
        assert f"on_change TABLE_ELEMENT_CHANGED {w} 1" in out  # the old value
    # Nobody applies its own changes: no warning, and the manager applied
    # exactly 2 batches of Test::seen (one per worker) before its removal.
    for n in NODES:
        assert "from self" not in c.output(n, stream="err")
    assert len(re.findall(r"^apply Test::seen 1$", out, flags=re.M)) == 2
    # max_batch_size=0: each of a worker's two counts changes is its own batch.
    assert len(re.findall(r"^apply Test::counts 1$", out, flags=re.M)) == 4


def test_none_backend_with_a_layout_script_is_fatal(tmp_path):
    (tmp_path / "cluster-layout.zeek").write_text(
        'redef Cluster::nodes = { ["worker-1"] = [$node_type=Cluster::WORKER, $ip=127.0.0.1] };\n'
    )
    script = tmp_path / "s.zeek"
    script.write_text("event zeek_init() { print 1; }\n")
    r = subprocess.run(
        [sys.executable, "-m", "zscript", "run", "worker-1", str(script)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 1
    assert (
        "Cluster::node set to 'worker-1', but Cluster::backend is "
        "Cluster::CLUSTER_BACKEND_NONE - please select a cluster backend to use." in r.stderr
    )


def test_node_missing_from_the_layout_script(tmp_path):
    (tmp_path / "cluster-layout.zeek").write_text(
        'redef Cluster::nodes = { ["manager"] = [$node_type=Cluster::MANAGER, $ip=127.0.0.1] };\n'
    )
    script = tmp_path / "s.zeek"
    script.write_text("@load policy/frameworks/cluster/backend/zeromq\n")
    r = subprocess.run(
        [sys.executable, "-m", "zscript", "run", "worker-9", str(script)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "'worker-9' is not a valid node in the Cluster::nodes configuration" in r.stderr


def test_publish_table_of_a_plain_table_is_an_error(tmp_path):
    script = tmp_path / "s.zeek"
    script.write_text(
        "@load base/frameworks/cluster\n"
        "global plain: table[string] of count;\n"
        'event zeek_init() { print Cluster::publish_table("t", plain); }\n'
    )
    r = subprocess.run(
        [sys.executable, "-m", "zscript", "run", "standalone", str(script)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.stdout == "F\n"
    assert re.search(
        r"error in \S+publish-on-change\.zeek, line \d+, column \d+: "
        r"__publish_table: missing PublishOnChange state for table!",
        r.stderr,
    ), r.stderr


def test_cluster_started_and_verbose_event_counters(local_cluster):
    nodes = {"manager": "manager", "worker-1": "worker", "worker-2": "worker"}
    c = local_cluster(nodes)
    c.start_all([HERE / "started.zs"])
    for n in nodes:
        c.wait_for(n, "cluster_started", timeout=40)
        # Each node said hello to the two others and heard from both, all on
        # nodeid topics, which the ZeroMQ backend counts under one name.  (The
        # handler prints these after "cluster_started": wait for them too.)
        for direction in ("incoming", "outgoing"):
            out = c.wait_for(
                n,
                f"zeek_cluster_core_verbose_{direction}_events_total Cluster::hello "
                f"{n} zeek.cluster.nodeid.__normalized__ 2",
            )
        assert out.count("cluster_started") == 1
    out = c.output("manager")
    for n in nodes:
        assert f"node_fully_connected {n} F" in out
    for w in ("worker-1", "worker-2"):  # a worker raises only its own, locally
        assert re.findall(r"^node_fully_connected .*$", c.output(w), flags=re.M) == [
            f"node_fully_connected {w} F"
        ]


def test_topic_normalization():
    from zscript.cluster.telemetry import EventTelemetry
    from zscript.runtime.patterns import make_pattern

    t = EventTelemetry()
    verbose = type("E", (), {"name": "Cluster::Telemetry::VERBOSE"})()
    t.configure(
        {verbose},
        {make_pattern("^a\\.id\\..*"): "a.id.__normalized__", make_pattern("^skip.*"): ""},
    )
    for topic in ("a.id.1.", "a.id.2.", "b", "skip-me", "b"):
        t.count("in", "ev", topic, 10)
    t.count("out", "ev", "b", 10)
    assert sorted((name, labels["topic"], n) for name, _, _, labels, n in t.samples()) == [
        ("zeek_cluster_core_verbose_incoming_events_total", "a.id.__normalized__", 2),
        ("zeek_cluster_core_verbose_incoming_events_total", "b", 2),
        ("zeek_cluster_core_verbose_outgoing_events_total", "b", 1),
    ]
    t.configure(set(), {})
    assert list(t.samples()) == []


def test_event_size_histograms_and_application_labels():
    from zscript.cluster.telemetry import EventTelemetry

    def kind(name):
        return type("E", (), {"name": "Cluster::Telemetry::" + name})()

    t = EventTelemetry("websocket", ("app",))
    t.configure({kind("INFO"), kind("DEBUG")}, {}, [10.0, 50.0, 100.0])
    t.open(("unknown",))  # a client without X-Application-Name: counters exist at 0
    for size in (10, 11, 50, 99, 100, 101, 5000):  # bounds are inclusive ("le")
        t.count("out", "ping", "/t", size, ("app-1",), where=lambda: "x.zeek:3")
    t.count("in", "pong", "/t", 7, ("app-1",), where=lambda: "ignored for incoming")
    got = {(name, tuple(sorted(labels.items()))): v for name, _, _, labels, v in t.samples()}
    assert got[("zeek_cluster_websocket_outgoing_events_total", (("app", "unknown"),))] == 0
    assert got[("zeek_cluster_websocket_outgoing_events_total", (("app", "app-1"),))] == 7
    assert got[("zeek_cluster_websocket_incoming_events_total", (("app", "app-1"),))] == 1
    out_key = (
        "zeek_cluster_websocket_debug_outgoing_event_sizes",
        (("app", "app-1"), ("handler", "ping"), ("script_location", "x.zeek:3"), ("topic", "/t")),
    )
    buckets, total = got[out_key]
    assert buckets == [(10.0, 1), (50.0, 3), (100.0, 5), (math.inf, 7)]
    assert total == 10 + 11 + 50 + 99 + 100 + 101 + 5000
    in_key = (
        "zeek_cluster_websocket_debug_incoming_event_sizes",
        (("app", "app-1"), ("handler", "pong"), ("topic", "/t")),
    )
    assert got[in_key] == ([(10.0, 1), (50.0, 1), (100.0, 1), (math.inf, 1)], 7)
    # The core's INFO counters are the backend's own (not counted here).
    core = EventTelemetry("core")
    core.configure({kind("INFO")}, {})
    core.count("out", "ping", "/t", 5)
    assert not core.enabled and list(core.samples()) == []


def test_script_locations_drop_the_search_path_directory(monkeypatch):
    from zscript.cluster.telemetry import without_search_path

    monkeypatch.setenv("ZEEKPATH", ".:/opt/site:/opt/x/../y")
    monkeypatch.delenv("ZSCRIPTPATH", raising=False)
    # Zeek's test is a plain prefix test: "../m.zeek" starts with ".".
    assert without_search_path("../m.zeek") == "./m.zeek"
    assert without_search_path("/opt/site/a/b.zeek") == "a/b.zeek"
    assert without_search_path("/opt/y/c.zeek") == "c.zeek"  # entries are normalized
    assert without_search_path("/srv/./d//e.zeek") == "/srv/d/e.zeek"


def test_socket_errors_are_worded_as_zeek(local_cluster):
    import socket

    c = local_cluster({"manager": "manager"}, split_stderr=True)
    taken = socket.socket()
    taken.bind(("127.0.0.1", c.xpub_port))
    taken.listen()
    try:
        c.start("manager", [HERE / "started.zs"])
        assert c.wait_exit("manager") == 1
    finally:
        taken.close()
    err = c.output("manager", stream="err")
    assert re.search(
        rf"^error: ZeroMQ: Failed to bind xpub socket tcp://127\.0\.0\.1:{c.xpub_port}: "
        r"Address already in use \(\d+\)$",
        err,
        flags=re.M,
    ), err
    assert re.search(
        r"^fatal error in \S+, line \d+: Failed to spawn ZeroMQ proxy thread$", err, flags=re.M
    ), err
