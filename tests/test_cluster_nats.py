"""The NATS cluster backend (``zscript/cluster/nats.py``) where it differs
from ZeroMQ.  What holds for every backend (liveness, pub/sub, pools, the
examples, serializers) runs on both in ``test_cluster.py``
(``backend_cluster``).  Here: the topic-to-subject mapping against a real
server, losing NATS servers of a three-server NATS cluster, logs to the
loggers over NATS, and layouts.

Every server and node a test starts is stopped by it (``natsutil``,
``clusterutil``); everything listens on free ports of 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from natsutil import NATSCluster, free_ports, require_nats

from zscript.cluster.layout import LayoutError, load_layout
from zscript.cluster.nats import NATSBackend, NATSOptions, subject_for_prefix, subject_for_topic

HERE = Path(__file__).parent / "cluster"
FAILOVER = HERE / "nats_failover.zs"
REGISTRATION = HERE / "registration.zs"


# ------------------------------------------------------------------ subjects


def test_subjects_are_valid_and_prefix_subscriptions_cover_their_topics():
    for topic in [
        b"",
        b".",
        b"a..b",
        b"zeek.cluster.node.worker-1.",
        b"a b*>\xff.%",
        b"x" * 10,
        b"zscript/store/t/master",
    ]:
        subj = subject_for_topic("zeek", topic)
        tokens = subj.split(".")
        assert all(tokens) and not any(c in subj for c in " *>\t"), subj
        for cut in range(len(topic) + 1):
            pattern = subject_for_prefix("zeek", topic[:cut]).split(".")
            assert pattern[-1] == ">"
            # NATS's rule for "a.b.>": the literal tokens, then one or more tokens.
            head = pattern[:-1]
            assert tokens[: len(head)] == head and len(tokens) > len(head), (topic, cut)


PREFIXES = [
    "zeek.cluster.",
    "zeek.cluster.node.w",
    "zeek.cluster.node.worker-1.",
    "odd ",
    "zscript/store/t/master",
]


def _pair(url: str, **kw) -> tuple[NATSBackend, NATSBackend]:
    warn = lambda msg: None  # noqa: E731
    a = NATSBackend("a", warn, NATSOptions(url=url, **kw))
    b = NATSBackend("b", warn, NATSOptions(url=url, **kw))
    return a, b


def test_each_event_arrives_once_and_only_where_a_prefix_matches(nats_server):
    """Overlapping prefixes (NATS delivers to each matching subscription)
    still give one delivery; topics that share subject tokens with a prefix
    but do not start with it are not delivered; odd bytes survive."""
    a, b = _pair(nats_server.default.url)
    got: list[tuple[bytes, bytes, bytes]] = []
    b.deliver = lambda topic, fmt, payload: got.append((topic, fmt, payload))
    for prefix in PREFIXES:
        b.subscribe(prefix)
    aloop = asyncio.new_event_loop()
    try:
        assert a.init() and b.init()
        a.start_io(aloop)
        b.start_io(aloop)
        sent = {
            "zeek.cluster.node.worker-1.": True,
            "zeek.cluster.node.worker-2.": True,
            "zeek.cluster.node.manager.": True,
            "zeek.clusterfoo.x": False,  # shares the subject token "zeek", not the prefix
            "zeek.other": False,
            "odd \u00e9*>.x": True,
            "odd": False,
            "zscript/store/t/master": True,
            "zscript/store/t/clones": False,
        }

        async def publish_and_wait() -> None:
            # b announces its subscriptions once connected: a sees them.
            deadline = time.monotonic() + 10
            while len(a.remote_topics) < len(PREFIXES):
                assert time.monotonic() < deadline, a.remote_topics
                await asyncio.sleep(0.02)
            for i, topic in enumerate(sent):
                assert a.publish(topic, b"fmt", b"payload %d" % i)
            want = sum(sent.values())
            while len(got) < want and time.monotonic() < deadline:
                await asyncio.sleep(0.02)
            await asyncio.sleep(0.3)  # duplicates or strays would arrive meanwhile

        aloop.run_until_complete(publish_and_wait())
        assert a.remote_topics == {p.encode() for p in PREFIXES}
    finally:
        a.terminate()
        b.terminate()
        aloop.close()
    expect = [
        (t.encode("utf-8"), b"fmt", b"payload %d" % i)
        for i, (t, ok) in enumerate(sent.items())
        if ok
    ]
    assert got == expect


# ------------------------------------------------------------------ failover


def _peer_states(c, node: str) -> dict[str, str]:
    """Each peer's last liveness line in ``node``'s output (up or down)."""
    state: dict[str, str] = {}
    for m in re.finditer(r"^node_(up|down) (\S+)$", c.output(node), flags=re.M):
        state[m.group(2)] = m.group(1)
    return state


def test_losing_any_nats_server_does_not_lose_the_cluster(local_cluster, tmp_path):
    """Three routed nats-servers; three times, the server most of the nodes
    are connected to is killed (SIGKILL) and restarted.  The nodes connected
    to it reconnect to another server;
    events published after the loss arrive (the manager's ticks and the
    workers' answers continue); a node_down seen meanwhile is followed by
    node_up, and at the end every node sees every other up."""
    require_nats()
    servers = NATSCluster(tmp_path)
    nodes = {"manager": "manager", "worker-1": "worker", "worker-2": "worker"}
    c = local_cluster(nodes, cluster_lines=['backend = "nats"', f'nats_url = "{servers.url}"'])
    try:
        c.start_all([FAILOVER])
        for w in ("worker-1", "worker-2"):
            c.wait_for("manager", f"node_up {w}")
            c.wait_for("manager", f"tock {w} ")
        for _round in range(3):
            # The server with the most of our nodes (it changes: nodes move).
            on = [
                [n for n in servers.clients(i) if n.startswith("zscript-cluster-")]
                for i in range(3)
            ]
            i = max(range(3), key=lambda k: len(on[k]))
            moved = len(on[i])
            assert moved >= 1, on
            before = {w: c.output("manager").count(f"tock {w} ") for w in ("worker-1", "worker-2")}
            reconnects = sum(c.output(n).count("connection reconnected") for n in nodes)
            servers.servers[i].kill()
            # Ten more ticks answered by each worker: 2 s of traffic after the loss.
            for w, n in before.items():
                c.wait_for("manager", f"tock {w} ", count=n + 10)
            now = sum(c.output(n).count("connection reconnected") for n in nodes)
            assert now >= reconnects + moved, (on, now, reconnects)
            servers.servers[i].start()
            servers.wait_routed(i)
        for node in nodes:
            assert c.running(node), c.output(node)
        # Liveness settles: whatever went down came back up.
        deadline = time.monotonic() + 10
        for node in nodes:
            others = {n for n in nodes if n != node}
            while _peer_states(c, node) != dict.fromkeys(others, "up"):
                assert time.monotonic() < deadline, c.output(node)
                time.sleep(0.05)
    finally:
        c.stop_all()  # the nodes first, while they still have servers
        servers.stop()


# ----------------------------------------------------------------- layouts


def test_layout_backend_settings(tmp_path):
    example = load_layout(Path(__file__).parent.parent / "examples" / "cluster" / "nats.toml")
    assert example.backend == "nats" and len(example.nats_url.split(",")) == 3
    assert list(example.nodes) == ["manager", "logger-1", "proxy-1", "worker-1", "worker-2"]
    p = tmp_path / "l.toml"
    base = '[nodes.manager]\ntype = "manager"\n[nodes.w]\ntype = "worker"\n'
    p.write_text(
        '[cluster]\nbackend = "nats"\nnats_url = "nats://10.0.0.1:4222,nats://10.0.0.2:4222"\n'
        + base
    )
    layout = load_layout(p)
    assert layout.backend == "nats"
    script = layout.config_script()
    assert (
        'redef Cluster::Backend::NATS::url = "nats://10.0.0.1:4222,nats://10.0.0.2:4222";' in script
    )
    assert "ZeroMQ" not in script
    for cluster, error in [
        ('backend = "kafka"', "unknown backend 'kafka' (use one of zeromq, nats)"),
        ('backend = "nats"\nnats_url = 5', "nats_url: a string of NATS URLs, not 5"),
        (
            'backend = "nats"\nencryption = true',
            'encryption (CURVE) is not available with backend "nats"',
        ),
    ]:
        p.write_text(f"[cluster]\n{cluster}\n" + base)
        with pytest.raises(LayoutError, match=re.escape(error)):
            load_layout(p)


# -------------------------------------------------------------- registration


def _services(port: int) -> list[str]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/services.json", timeout=10) as r:
        (group,) = json.loads(r.read())
    return sorted(group["targets"])


@pytest.mark.parametrize("backend", ["zeromq", "nats"])
def test_nodes_registered_at_run_time_are_in_services_json(
    backend, request, local_cluster, tmp_path
):
    """A process outside the layout joins the cluster's backend and
    registers: the manager's /services.json lists its metrics endpoint while
    it renews the registration and drops it when it is gone.  A
    registration under a layout node's name is refused."""
    nodes = {"manager": "manager", "worker-1": "worker"}
    if backend == "nats":
        url = request.getfixturevalue("nats_server").default.url
        c = local_cluster(nodes, cluster_lines=['backend = "nats"', f'nats_url = "{url}"'])
        connect = (
            "@load policy/frameworks/cluster/backend/nats\n"
            f'redef Cluster::Backend::NATS::url = "{url}";\n'
        )
    else:  # a client of the manager's central proxy, as Zeek's own tools are
        c = local_cluster(nodes)
        z = "Cluster::Backend::ZeroMQ::"
        connect = (
            "@load policy/frameworks/cluster/backend/zeromq\n"
            f'redef {z}connect_xpub_endpoint = "tcp://127.0.0.1:{c.xsub_port}";\n'
            f'redef {z}connect_xsub_endpoint = "tcp://127.0.0.1:{c.xpub_port}";\n'
        )
    c.start_all([REGISTRATION])
    layout = sorted(f"127.0.0.1:{p}" for p in c.metrics_ports.values())
    mgr = c.metrics_ports["manager"]
    deadline = time.monotonic() + 20
    while True:  # the manager serves once its event loop runs
        try:
            assert _services(mgr) == layout
            break
        except OSError:
            assert time.monotonic() < deadline
            time.sleep(0.1)
    extra_port = free_ports(1)[0]
    settings = tmp_path / "extra.zs"
    settings.write_text(
        connect + f'redef Test::register_as = "extra-1";\nredef Test::metrics = {extra_port}/tcp;\n'
    )
    out = tmp_path / "extra.out"
    with open(out, "wb") as f:
        extra = subprocess.Popen(
            [sys.executable, "-m", "zscript", "run", str(REGISTRATION), str(settings)],
            stdout=f,
            stderr=subprocess.STDOUT,
            cwd=tmp_path,
        )
    try:
        c.wait_for("manager", f"registered extra-1 127.0.0.1 {extra_port}/tcp")
        assert _services(mgr) == sorted([*layout, f"127.0.0.1:{extra_port}"])
        c.wait_for("manager", "refused the registration of 'worker-1' (id impostor)")
        text = out.read_text()
        assert "register extra-1: T" in text, text
        # Not a node of the layout: it takes no part in the nodes' handshake.
        assert "warning" not in text, text
    finally:
        extra.kill()
        extra.wait(10)
    c.wait_for("manager", "unregistered extra-1")
    assert _services(mgr) == layout
    # Registered once: renewals are not new registrations.
    assert len(re.findall(r"^registered extra-1 ", c.output("manager"), flags=re.M)) == 1
