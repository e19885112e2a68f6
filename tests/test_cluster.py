"""Multi-process cluster behaviour: liveness, pub/sub, pools, @if per node
type, the cluster examples, serializers, junk on the wire and overload.

Each test starts real ``zscript run NODE`` processes on 127.0.0.1 with free
ports (see ``clusterutil.py``) and stops them all at the end.  The scripts
they run are in ``tests/cluster/``; the examples in ``examples/cluster/``.
Scripts only publish once the receivers are up (``Cluster::node_up``): what
is published before a receiver's subscription reached the sender is lost.
"""

from __future__ import annotations

import contextlib
import json
import random
import re
import struct
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
import zmq

HERE = Path(__file__).parent / "cluster"
EXAMPLES = Path(__file__).parent.parent / "examples" / "cluster"
LIVENESS = HERE / "liveness.zs"
SERIALIZERS = ["broker-bin-v1", "broker-json-v1"]

#: After the expected output is complete: time for anything unexpected
#: (duplicates, strays) to arrive before the output is compared exactly.
SETTLE = 0.5


def lines(c, node: str, *, run: int | None = None, prefix: str = "") -> list[str]:
    """The node's output lines (starting with ``prefix``), without start markers."""
    text = c.output(node, run=run)
    return [
        ln for ln in text.splitlines() if ln.startswith(prefix) and not ln.startswith("=== start")
    ]


def wait_total(c, nodes, pattern: str, count: int, *, timeout: float = 20.0) -> None:
    """Wait until ``pattern`` (a regex) appears ``count`` times over the outputs of ``nodes``."""
    deadline = time.monotonic() + timeout
    while True:
        found = sum(len(re.findall(pattern, c.output(n), flags=re.M)) for n in nodes)
        if found >= count:
            return
        if time.monotonic() > deadline:
            outs = "\n".join(f"--- {n}:\n{c.output(n)}" for n in c.nodes)
            raise AssertionError(f"{pattern!r}: {found} of {count} within {timeout}s\n{outs}")
        time.sleep(0.05)


# --------------------------------------------------------------- liveness


def test_node_up_down_after_kill_and_restart(backend_cluster):
    c = backend_cluster({"manager": "manager", "worker-1": "worker", "worker-2": "worker"})
    c.start_all([LIVENESS])
    c.wait_for("manager", "node_up worker-1")
    c.wait_for("manager", "node_up worker-2")
    c.wait_for("worker-1", "node_up worker-2")  # workers see each other too
    # The two sides of a handshake end at different moments: worker-2 may not
    # have seen the manager yet when the manager has seen it.
    c.wait_for("worker-2", "node_up manager")
    c.kill("worker-2")  # SIGKILL: no goodbye
    t0 = time.monotonic()
    c.wait_for("manager", "node_down worker-2", timeout=5)
    c.wait_for("worker-1", "node_down worker-2", timeout=5)
    assert time.monotonic() - t0 < 2.0 + 0.5  # polling slack
    c.start("worker-2", [LIVENESS])
    c.wait_for("manager", "node_up worker-2", count=2)
    c.wait_for("worker-2", "node_up manager", count=2)


def _my_id(c, node: str, run: int) -> str:
    """The process id ``node`` printed in its ``run``-th start."""
    deadline = time.monotonic() + 20
    while True:
        m = re.search(r"^my id (\S+)$", c.output(node, run=run), flags=re.M)
        if m:
            return m.group(1)
        assert time.monotonic() < deadline, c.output(node)
        time.sleep(0.05)


def test_restarted_node_has_a_new_id(backend_cluster):
    c = backend_cluster({"manager": "manager", "worker-1": "worker", "worker-2": "worker"})
    c.start_all([LIVENESS])
    old = _my_id(c, "worker-2", 1)
    assert old.startswith(f"{backend_cluster.backend}_worker-2_")
    for node in ("manager", "worker-1"):
        c.wait_for(node, f"node_up worker-2 {old}")
    # The handshake ends at different moments on the two sides: the manager
    # can see worker-2 up before worker-2 sees the manager and pings it.
    c.wait_for("worker-2", "pong for worker-2 at worker-2")

    c.kill("worker-2")
    for node in ("manager", "worker-1"):
        c.wait_for(node, f"node_down worker-2 {old}", timeout=5)
    # Everything the others know about worker-2 is gone with it.
    c.wait_for("manager", "down: workers 1/2")

    c.start("worker-2", [LIVENESS])
    c.wait_for("worker-2", "my id ", count=2)
    new = _my_id(c, "worker-2", 2)
    assert new != old and new.startswith(f"{backend_cluster.backend}_worker-2_")
    for node in ("manager", "worker-1"):
        c.wait_for(node, f"node_up worker-2 {new}")
    c.wait_for("manager", "ping from worker-2", count=2)
    c.wait_for("worker-2", "pong for worker-2 at worker-2", count=2)
    time.sleep(SETTLE)
    # One node_up and one node_down per process of worker-2, nothing else.
    for node in ("manager", "worker-1"):
        seen = lines(c, node, prefix="node_")
        assert [s for s in seen if "worker-2" in s] == [
            f"node_up worker-2 {old}",
            f"node_down worker-2 {old}",
            f"node_up worker-2 {new}",
        ], seen
    counts = [ln for ln in lines(c, "manager") if ln.startswith(("up: ", "down: "))]
    assert counts[-1] == "up: workers 2/2 proxies 0/0", counts
    # The node itself saw the others again, with their unchanged ids.
    mgr = _my_id(c, "manager", 1)
    assert f"node_up manager {mgr}" in lines(c, "worker-2", run=2)


def test_nodes_that_never_start_are_simply_down(local_cluster):
    nodes = {
        "manager": "manager",
        "proxy-1": "proxy",
        "worker-1": "worker",
        "worker-2": "worker",
        "worker-3": "worker",
    }
    c = local_cluster(nodes)
    for node in ("manager", "worker-1", "worker-2"):  # proxy-1 and worker-3 never run
        c.start(node, [LIVENESS])
    for w in ("worker-1", "worker-2"):
        c.wait_for("manager", f"ping from {w}")
        c.wait_for(w, f"pong for {w} at {w}")
    c.wait_for("worker-1", "node_up worker-2")
    c.wait_for("worker-2", "node_up worker-1")
    c.wait_for("manager", "up: workers 2/3 proxies 0/1")
    time.sleep(SETTLE)
    for node in ("manager", "worker-1", "worker-2"):
        out = c.output(node)
        assert "worker-3" not in out and "proxy-1" not in out, out
        assert "node_down" not in out and "error" not in out, out
        assert c.running(node)
    # With the only proxy never up, the pool has nobody to pick.
    mgr = lines(c, "manager")
    assert mgr.count("publish_hrw to the proxy pool: F") == 2, mgr
    assert mgr.count("publish_rr to the proxy pool: F") == 2, mgr


# ----------------------------------------------------------------- pub/sub


def test_publish_between_node_types(backend_cluster):
    """manager -> all workers, worker -> manager, worker -> all workers
    directly (worker_topic) and relayed by the manager."""
    workers = ["worker-1", "worker-2", "worker-3"]
    c = backend_cluster({"manager": "manager", **{w: "worker" for w in workers}})
    c.start_all([HERE / "pubsub.zs"])
    for w in workers:
        c.wait_for(w, "got to_workers(")
        c.wait_for(w, "via manager)", count=len(workers))
        c.wait_for(w, "direct)", count=len(workers) - 1)
    c.wait_for("manager", "got to_manager(", count=len(workers))
    time.sleep(SETTLE)

    got = lines(c, "manager", prefix="manager got")
    assert sorted(got) == [f"manager got to_manager({w})" for w in workers]
    for w in workers:
        got = sorted(lines(c, w, prefix=f"{w} got"))
        expected = [f"{w} got to_workers(hello from the manager)"]
        # A relayed event reaches its sender too (the manager published it) ...
        expected += [f"{w} got among_workers({s}, via manager)" for s in workers]
        # ... a direct one does not: a node never receives its own publishes.
        expected += [f"{w} got among_workers({s}, direct)" for s in workers if s != w]
        assert got == sorted(expected)


def test_at_if_selects_code_per_node_type(local_cluster):
    nodes = {
        "manager": "manager",
        "logger-1": "logger",
        "proxy-1": "proxy",
        "worker-1": "worker",
        "worker-2": "worker",
    }
    c = local_cluster(nodes)
    c.start_all([HERE / "node_types.zs"])
    for node in nodes:
        c.wait_for(node, f"{node} is a ")
    expected = {
        "manager": [
            "only on the manager",
            "anywhere but on a proxy",
            "on the manager or a proxy",
            "manager is a manager (Cluster::MANAGER)",
        ],
        "logger-1": [
            "only on a logger",
            "anywhere but on a proxy",
            "logger-1 is a logger (Cluster::LOGGER)",
        ],
        "proxy-1": [
            "only on a proxy",
            "on the manager or a proxy",
            "proxy-1 is a proxy (Cluster::PROXY)",
        ],
        "worker-1": [
            "anywhere but on a proxy",
            "only on a worker",
            "worker-1 is a worker (Cluster::WORKER)",
        ],
        "worker-2": [
            "anywhere but on a proxy",
            "only on a worker",
            "only on worker-2 (by name)",
            "worker-2 is a worker (Cluster::WORKER)",
        ],
    }
    for node, want in expected.items():
        assert lines(c, node) == want, node


# ------------------------------------------------------------------- pools

POOLS = HERE / "pools.zs"
PROXIES = ["proxy-1", "proxy-2", "proxy-3"]
N_KEYS, N_RR = 24, 12  # as in pools.zs


def _hrw_round(c, rnd: int) -> dict[str, str]:
    """key -> the proxy that got it in round ``rnd`` (each key exactly once)."""
    wait_total(c, PROXIES, rf"^hrw round {rnd} key ", N_KEYS)
    got: dict[str, list[str]] = {}
    for p in PROXIES:
        for ln in lines(c, p, prefix=f"hrw round {rnd} key "):
            key, _, at = ln.split()[4:7]
            assert at == p
            got.setdefault(key, []).append(p)
    assert sorted(got) == sorted(f"key-{i}" for i in range(N_KEYS))
    assert all(len(v) == 1 for v in got.values()), got
    # Where the worker's Cluster::hrw_topic said each key would go.
    expect = {}
    for ln in lines(c, "worker-1", prefix=f"expect hrw round {rnd} key "):
        key, topic = ln.split()[5], ln.split()[7]
        expect[key] = topic
    assert {k: f"zeek.cluster.node.{p}." for k, (p,) in got.items()} == expect
    return {k: p for k, (p,) in got.items()}


def _rr_round(c, rnd: int, live: list[str]) -> None:
    """The round's round-robin events went to the live proxies in turn."""
    wait_total(c, PROXIES, rf"^rr round {rnd} seq ", N_RR)
    at: dict[int, str] = {}
    for p in PROXIES:
        for ln in lines(c, p, prefix=f"rr round {rnd} seq "):
            seq = int(ln.split()[4])
            assert seq not in at, f"seq {seq} twice"
            at[seq] = p
    assert sorted(at) == list(range(N_RR))
    order = [at[i] for i in range(N_RR)]
    start = live.index(order[0])
    assert order == [live[(start + i) % len(live)] for i in range(N_RR)], order
    assert Counter(order) == {p: N_RR // len(live) for p in live}


def test_pools_follow_liveness(backend_cluster):
    """HRW: spread, one proxy per key, stable; after kill -9 only the dead
    proxy's keys move; after its restart they all map back.  Round robin:
    the live proxies in turn."""
    c = backend_cluster(
        {"manager": "manager", **{p: "proxy" for p in PROXIES}, "worker-1": "worker"}
    )
    c.start_all([POOLS])

    c.wait_for("worker-1", "round 1 sent")
    assert "round 1 live proxy-1,proxy-2,proxy-3" in lines(c, "worker-1")
    first = _hrw_round(c, 1)
    assert set(first.values()) == set(PROXIES)  # every proxy gets some keys
    _rr_round(c, 1, PROXIES)

    c.kill("proxy-2")
    c.wait_for("worker-1", "node_down proxy-2", timeout=5)
    c.wait_for("worker-1", "round 2 sent")
    assert "round 2 live proxy-1,proxy-3" in lines(c, "worker-1")
    second = _hrw_round(c, 2)
    for key, p in first.items():
        if p == "proxy-2":
            assert second[key] in ("proxy-1", "proxy-3")
        else:
            assert second[key] == p, f"{key} moved from {p} to {second[key]}"
    _rr_round(c, 2, ["proxy-1", "proxy-3"])

    c.start("proxy-2", [POOLS])
    c.wait_for("worker-1", "node_up proxy-2", count=2)
    c.wait_for("worker-1", "round 3 sent")
    assert "round 3 live proxy-1,proxy-2,proxy-3" in lines(c, "worker-1")
    assert _hrw_round(c, 3) == first
    _rr_round(c, 3, PROXIES)

    time.sleep(SETTLE)
    assert "not sent" not in c.output("worker-1")
    # The dead proxy got nothing of round 2 (its second run started later).
    assert not any(" round 2 " in ln for ln in lines(c, "proxy-2"))
    # Three rounds and no more: each went out exactly once.
    for p in PROXIES:
        assert not any(" round 4 " in ln for ln in lines(c, p))


# ---------------------------------------------------------------- examples

_DOC_WORKERS = ["worker-1", "worker-2"]


def _check_manager_to_workers(c):
    for w in _DOC_WORKERS:
        c.wait_for(w, "hello v3")
    time.sleep(SETTLE)
    for w in _DOC_WORKERS:
        assert lines(c, w) == [f"got event from manager, hello v{i}" for i in range(4)]
    assert lines(c, "manager") == []


def _check_worker_to_manager(c):
    c.wait_for("manager", "got event from worker", count=len(_DOC_WORKERS))
    time.sleep(SETTLE)
    assert sorted(lines(c, "manager")) == [f"got event from worker, {w}" for w in _DOC_WORKERS]
    for w in _DOC_WORKERS:
        assert lines(c, w) == []


def _check_worker_to_workers(c):
    for w in _DOC_WORKERS:
        c.wait_for(w, "got event from worker", count=3 * len(_DOC_WORKERS) - 1)
    time.sleep(SETTLE)
    for w in _DOC_WORKERS:
        want = [f"got event from worker, {s} (via manager)" for s in _DOC_WORKERS]
        want += [f"got event from worker, {s} (via a proxy)" for s in _DOC_WORKERS]
        want += [f"got event from worker, {s} (direct)" for s in _DOC_WORKERS if s != w]
        assert sorted(lines(c, w)) == sorted(want)
    for relay in ("manager", "proxy-1"):
        assert lines(c, relay) == []


def _check_worker_to_proxies(c):
    wait_total(c, ["proxy-1", "proxy-2"], "^got event from worker", 10)
    time.sleep(SETTLE)
    got = {p: lines(c, p) for p in ("proxy-1", "proxy-2")}
    keys = [ln.split(", ")[-1] for p in got for ln in got[p]]
    assert sorted(keys) == sorted(f"example_key{i}" for i in range(1, 11))
    assert all(got.values()), got  # both proxies got a share
    assert all(ln.startswith("got event from worker, worker-1, ") for v in got.values() for ln in v)


def _check_event_namespaces(c):
    for w in _DOC_WORKERS:
        c.wait_for(w, "published by the manager")
    for node in ["manager", *_DOC_WORKERS]:
        c.wait_for(node, "got my event, scheduled")
    time.sleep(SETTLE)
    local = ["got my event, raised", "got my event, scheduled"]
    assert lines(c, "manager") == local
    for w in _DOC_WORKERS:
        assert sorted(lines(c, w)) == sorted([*local, "got my event, published by the manager"])


_MGR_WORKERS = {"manager": "manager", "worker-1": "worker", "worker-2": "worker"}
EXAMPLE_CASES = {
    "manager-to-workers.zs": (_MGR_WORKERS, _check_manager_to_workers),
    "worker-to-manager.zs": (_MGR_WORKERS, _check_worker_to_manager),
    "worker-to-workers.zs": (
        {"manager": "manager", "proxy-1": "proxy", "worker-1": "worker", "worker-2": "worker"},
        _check_worker_to_workers,
    ),
    "worker-to-proxies.zs": (
        {"manager": "manager", "proxy-1": "proxy", "proxy-2": "proxy", "worker-1": "worker"},
        _check_worker_to_proxies,
    ),
    "event-namespaces.zs": (_MGR_WORKERS, _check_event_namespaces),
}


def test_every_cluster_example_is_tested():
    present = {p.name for p in EXAMPLES.glob("*.zs")} - {"demo.zs"}
    assert present == set(EXAMPLE_CASES)


@pytest.mark.parametrize("name", sorted(EXAMPLE_CASES))
def test_cluster_example(backend_cluster, name):
    nodes, check = EXAMPLE_CASES[name]
    c = backend_cluster(nodes)
    c.start_all([EXAMPLES / name])
    check(c)
    for node in nodes:
        assert c.running(node), c.output(node)


# ------------------------------------------------------------- serializers


@pytest.mark.parametrize("serializer", SERIALIZERS)
def test_event_arguments_survive_the_wire(backend_cluster, serializer):
    c = backend_cluster({"manager": "manager", "worker-1": "worker"}, serializer=serializer)
    c.start_all([HERE / "values.zs"])
    c.wait_for("worker-1", "published: ")
    c.wait_for("manager", "equal: ")
    assert "published: T" in lines(c, "worker-1")
    sent = [ln[len("sent ") :] for ln in lines(c, "worker-1", prefix="sent ")]
    got = [ln[len("got ") :] for ln in lines(c, "manager", prefix="got ")]
    assert len(sent) == 25
    # Printed the same on both sides (tables and sets in any order).
    assert sorted(got) == sorted(sent)
    assert "equal: T (mismatches at [])" in lines(c, "manager")
    # A few values spelled out, in case both sides went wrong the same way.
    for want in (
        "count 18446744073709551615",
        "int -9007199254740993",
        "double 0.10000000000000001",
        "time 1700000000.500000000",
        "interval -5400.000000000",
        "subnet 10.0.0.0/8 2001:db8::/32",
        "port 80/tcp 53/udp 8/icmp",
        "enum Test::BLUE Cluster::PROXY",
        "sparse has note=F where=F inner=F tags=F",
        "full has note=T where=T inner=T tags=T",
    ):
        assert want in got


def test_serializer_mismatch_is_reported_and_counted(local_cluster):
    """Two layouts, equal but for the serializer, for the same central proxy."""
    nodes = {"manager": "manager", "worker-1": "worker", "worker-2": "worker"}
    c = local_cluster(nodes, split_stderr=True, status=True)
    json_layout = c.write_layout(c.dir / "json.toml", serializer="broker-json-v1")
    script = HERE / "mismatch.zs"
    c.start("manager", [script])
    c.start("worker-1", [script])
    c.start("worker-2", [script], layout=json_layout)

    c.wait_for("manager", "greet from worker-1", count=3)
    mgr = c.wait_status("manager", lambda s: s["format_mismatches"] >= 5)
    w2 = c.wait_status("worker-2", lambda s: s["format_mismatches"] >= 1)
    c.wait_for("manager", "broker-json-v1", stream="err")
    c.wait_for("worker-2", "broker-bin-v1", stream="err")

    # Reported once per node and format, however often it happens.
    err = c.output("manager", stream="err")
    assert err.count("broker-json-v1") == 1, err
    assert re.search(r"warning.*dropped events in format 'broker-json-v1'", err), err
    err2 = c.output("worker-2", stream="err")
    assert err2.count("broker-bin-v1") == 1, err2
    # Counted as mismatches, not as malformed; nothing of it got through.
    assert mgr["malformed"] == 0 and w2["malformed"] == 0
    assert "greet from worker-2" not in c.output("manager")
    assert "node_up worker-2" not in c.output("manager")
    assert "node_up" not in c.output("worker-2")
    # The nodes that agree are not affected.
    assert "node_up manager" in c.output("worker-1")
    assert c.output("worker-1", stream="err").count("warning") == 1  # worker-2's format
    assert all(c.running(n) for n in nodes)


# ------------------------------------------------------- junk on the wire

RAW_TOPIC = b"zscript.test.robust.raw"


def _vb(n: int) -> bytes:
    out = bytearray()
    while True:
        b, n = n & 0x7F, n >> 7
        if not n:
            out.append(b)
            return bytes(out)
        out.append(b | 0x80)


def _b_str(s) -> bytes:
    s = s.encode() if isinstance(s, str) else s
    return b"\x05" + _vb(len(s)) + s


def _b_count(n: int) -> bytes:
    return b"\x02" + struct.pack(">Q", n)


def _b_vec(*items: bytes) -> bytes:
    return b"\x0e" + _vb(len(items)) + b"".join(items)


def _b_event(name: str, *args: bytes, version: int = 1) -> bytes:
    """An event in broker-bin-v1, built by hand."""
    return _b_vec(_b_count(version), _b_count(1), _b_vec(_b_str(name), _b_vec(*args)))


def _j(t: str, d) -> dict:
    return {"@data-type": t, "data": d}


def _j_event(name, *args, version: int = 1) -> bytes:
    """An event in broker-json-v1, built by hand."""
    ev = _j("vector", [_j("string", name), _j("vector", list(args))])
    return json.dumps(_j("vector", [_j("count", version), _j("count", 1), ev])).encode()


def _junk(serializer: str) -> tuple[Callable[[int, str], bytes], list[bytes]]:
    """(valid probe payload maker, payloads the node must drop as malformed)."""
    rng = random.Random(4711)
    if serializer == "broker-bin-v1":

        def probe(n, s):
            return _b_event("Test::probe", _b_count(n), _b_str(s))

        good = probe(9, "never")
        bad = [
            b"",
            b"\x00",
            good + b"\x00",  # trailing byte
            _b_event("Test::probe", _b_count(9), _b_str("x"), version=2),
            _b_event("Test::nope", _b_count(9), _b_str("unknown event")),
            _b_event("Test::probe", _b_str("9"), _b_count(9)),  # wrong types
            _b_event("Test::probe", _b_count(9)),  # too few arguments
            _b_event("Test::probe", _b_count(9), _b_str("x"), _b_count(1)),  # too many
            _b_event("Test::probe", b"\x03" + struct.pack(">q", -1), _b_str("x")),  # int, not count
            _b_vec(_b_count(1), _b_count(1), _b_vec(_b_count(5), _b_vec())),  # name not a string
            _b_vec(_b_count(1), _b_count(1), _b_vec(_b_str("Test::probe"), _b_count(2))),
            good[:-20] + b"\x05\xff\xff\xff\xff\x0f" + b"x",  # huge string length
            b"\x0e\x01" * 50000,  # nested far too deep
            b"\x0e\xff\xff\xff\xff\xff\xff",  # bad varbyte
        ]
        bad += [good[:n] for n in range(1, len(good), 3)]  # truncated
        bad += [rng.randbytes(rng.randrange(1, 200)) for _ in range(20)]
        return probe, bad

    def probe(n, s):
        return _j_event("Test::probe", _j("count", n), _j("string", s))

    good = probe(9, "never")
    bad = [
        b"",
        b"not json",
        b"\xff\xfe\x00",
        b"[]",
        b"null",
        b'{"@data-type":"vector"}',
        b'{"@data-type":"vector","data":[]}',
        b'{"@data-type":"vector","data":{}}',
        good + b"}}",
        _j_event("Test::probe", _j("count", 9), _j("string", "x"), version=2),
        _j_event("Test::nope", _j("count", 9), _j("string", "unknown event")),
        _j_event("Test::probe", _j("string", "9"), _j("count", 9)),  # wrong types
        _j_event("Test::probe", _j("count", 9)),  # too few arguments
        _j_event("Test::probe", _j("count", 9), _j("string", "x"), _j("count", 1)),
        _j_event("Test::probe", _j("count", 2**70), _j("string", "x")),  # out of range
        _j_event("Test::probe", _j("count", -1), _j("string", "x")),
        _j_event("Test::probe", _j("no-such-type", 1), _j("string", "x")),
        _j_event(5, _j("count", 9), _j("string", "x")),  # name not a string
        b"[" * 50000 + b"]" * 50000,  # nested far too deep
    ]
    bad += [good[:n] for n in range(1, len(good), 7)]  # truncated
    bad += [rng.randbytes(rng.randrange(1, 200)) for _ in range(20)]
    return probe, bad


def _raw_publisher(c) -> tuple[zmq.Context, zmq.Socket]:
    """A foreign publisher on the central XSUB, once the manager's robust topic reached it."""
    ctx = zmq.Context()
    pub = ctx.socket(zmq.XPUB)
    pub.setsockopt(zmq.LINGER, 0)
    pub.setsockopt(zmq.RCVTIMEO, 20000)
    pub.connect(f"tcp://127.0.0.1:{c.xsub_port}")
    try:
        while pub.recv() != b"\x01zscript.test.robust.":
            pass
    except zmq.Again:
        ctx.destroy(0)
        raise AssertionError(f"no subscription seen; manager:\n{c.output('manager')}") from None
    return ctx, pub


@pytest.mark.parametrize("serializer", SERIALIZERS)
def test_junk_messages_are_dropped_and_counted(local_cluster, serializer):
    nodes = {"manager": "manager", "worker-1": "worker"}
    c = local_cluster(nodes, serializer=serializer, split_stderr=True, status=True)
    script = HERE / "robust.zs"
    c.start("manager", [script])
    ctx, pub = _raw_publisher(c)
    try:
        fmt = serializer.encode()
        other = b"broker-json-v1" if serializer == "broker-bin-v1" else b"broker-bin-v1"
        probe, bad_payloads = _junk(serializer)
        me = b"raw-client"
        bad_frames = [
            [RAW_TOPIC],
            [RAW_TOPIC, me],
            [RAW_TOPIC, me, fmt],
            [RAW_TOPIC, me, fmt, probe(9, "five frames"), b"extra"],
            [RAW_TOPIC, me, fmt, probe(9, "six"), b"", b""],
        ]
        foreign = [
            [RAW_TOPIC, me, other, probe(9, "other format")],
            [RAW_TOPIC, me, b"no-such-format/v9", probe(9, "no such format")],
            [RAW_TOPIC, me, b"", probe(9, "empty format")],
        ]
        pub.send_multipart([RAW_TOPIC, me, fmt, probe(1, "before")])
        for frames in bad_frames + foreign:
            pub.send_multipart(frames)
        for payload in bad_payloads:
            pub.send_multipart([RAW_TOPIC, me, fmt, payload])
        pub.send_multipart([RAW_TOPIC, me, fmt, probe(2, "after")])

        c.wait_for("manager", "probe 2 after")
        # A node started now reaches it the ordinary way.
        c.start("worker-1", [script])
        c.wait_for("manager", "probe 3 from a worker")

        n_malformed = len(bad_frames) + len(bad_payloads)
        st = c.wait_status(
            "manager",
            lambda s: (
                s["malformed"] + s["unknown_events"] >= n_malformed
                and s["format_mismatches"] >= len(foreign)
            ),
        )
        time.sleep(1.2)  # one more status write: nothing else gets counted
        st = c.status("manager")
        assert st["malformed"] + st["unknown_events"] == n_malformed, st
        assert st["format_mismatches"] == len(foreign), st
        assert st["recv_drops"] == 0
    finally:
        ctx.destroy(0)

    assert c.running("manager")
    assert lines(c, "manager") == ["probe 1 before", "probe 2 after", "probe 3 from a worker"]
    err = c.output("manager", stream="err")
    assert "warning" in err and "Traceback" not in err and "internal error" not in err, err
    # Warned, not flooded: one line per kind of problem at most.
    assert len(err.splitlines()) < 40, err


# ---------------------------------------------------------------- overload


def test_send_overload_drops_and_counts(local_cluster):
    c = local_cluster({"manager": "manager", "worker-1": "worker"}, split_stderr=True, status=True)
    c.start_all([HERE / "flood.zs"])
    with _never_reading_subscriber(c, b"zscript.test.flood."):
        accepted, dropped, st = _flood_outcome(c)
        # The status counts every dropped send: the flood's, and a Cluster::hello
        # to a node whose subscription came in while the queue was full.
        assert dropped <= st["send_drops"] <= dropped + 4
        assert st["events_out"] >= accepted
        c.wait_for("worker-1", "still alive")
        err = c.output("worker-1", stream="err")
        assert err.count("send queue full") == 1, err
        assert c.running("worker-1") and c.running("manager")
        # Its status keeps being written: the event loop runs on.
        t = st["updated"]
        c.wait_status("worker-1", lambda s: s["updated"] > t)


def _flood_outcome(c) -> tuple[int, int, dict]:
    """(accepted, dropped, worker-1's status once it counts the drops) of
    flood.zs: some of its 20000 publishes got through, some were dropped."""
    c.wait_for("worker-1", "flood done", timeout=60)  # two node starts, under load
    m = re.search(r"flood done: accepted (\d+) dropped (\d+)", c.output("worker-1"))
    accepted, dropped = int(m.group(1)), int(m.group(2))
    assert accepted + dropped == 20000
    assert dropped > 0 and accepted > 0
    return accepted, dropped, c.wait_status("worker-1", lambda s: s["send_drops"] >= dropped)


@contextlib.contextmanager
def _never_reading_subscriber(c, topic: bytes):
    """A subscriber to ``topic`` that never reads, so the queues towards it
    fill up and stay full; closed at the end, which unblocks the central
    proxy before the nodes stop."""
    ctx = zmq.Context()
    sub = ctx.socket(zmq.XSUB)
    sub.setsockopt(zmq.LINGER, 0)
    sub.setsockopt(zmq.RCVHWM, 1)
    sub.setsockopt(zmq.RCVBUF, 4096)
    sub.connect(f"tcp://127.0.0.1:{c.xpub_port}")
    try:
        sub.send(b"\x01" + topic)
        yield sub
    finally:
        sub.close(0)
        ctx.term()


def test_send_overload_waits_then_drops_when_nobody_reads(local_cluster, tmp_path):
    """Flow control (``xpub_sndhwm`` 0): with a receiver that never reads, a
    publish waits ``xpub_block_timeout`` for room, then the event is dropped
    and counted; later publishes are dropped at once (the socket is stalled)
    instead of each waiting again, so the node stays responsive."""
    c = local_cluster({"manager": "manager", "worker-1": "worker"}, split_stderr=True, status=True)
    flow = tmp_path / "flow.zs"
    flow.write_text(
        "redef Cluster::Backend::ZeroMQ::xpub_sndhwm = 0;\n"
        "redef Cluster::Backend::ZeroMQ::xpub_block_timeout = 200msec;\n"
    )
    c.start_all([HERE / "flood.zs", flow])
    with _never_reading_subscriber(c, b"zscript.test.flood."):
        accepted, dropped, st = _flood_outcome(c)
        assert st["send_waits"] >= 1
        c.wait_for("worker-1", "still alive")
        assert c.running("worker-1") and c.running("manager")


@pytest.mark.parametrize(
    ("workers", "both_ways"),
    [(8, False), (1, True)],
    ids=["8-workers-to-manager", "manager-and-worker-both-ways"],
)
def test_burst_is_slowed_not_lost(local_cluster, tmp_path, workers, both_ways):
    """With the default overload settings every event of a burst arrives, in
    order: 8 workers publishing as fast as they can to one manager (far
    more than a send queue holds), and a manager and a worker sending bursts
    to each other at the same time (both waiting for room, neither blocks
    the other)."""
    n = 15000 if workers > 1 else 50000
    nodes = {"manager": "manager"} | {f"worker-{i}": "worker" for i in range(1, workers + 1)}
    c = local_cluster(nodes, status=True)
    opts = tmp_path / "opts.zs"
    opts.write_text(
        f"redef Test::n_events = {n};\nredef Test::both_ways = {'T' if both_ways else 'F'};\n"
    )
    c.start_all([HERE / "fanin.zs", opts])
    waits = 0
    for i in range(1, workers + 1):
        w = f"worker-{i}"
        c.wait_for("manager", f"from {w}: got {n} of {n} sent, misordered 0", timeout=90)
        c.wait_for(w, f"{w} accepted {n} of {n}")
        if both_ways:
            c.wait_for("manager", f"manager accepted {n} of {n} for {w}")
            c.wait_for(w, f"from manager: got {n} of {n} sent, misordered 0", timeout=90)
        st = c.wait_status(w, lambda s: s["events_out"] >= n)
        assert st["send_drops"] == 0 and st["recv_drops"] == 0
        waits += st["send_waits"]
    st = c.wait_status("manager", lambda s: s["events_in"] >= n * workers)
    assert st["recv_drops"] == 0 and st["send_drops"] == 0
    # The bursts were bigger than the send queue: the flow control was used.
    assert waits + st["send_waits"] > 0


def test_local_cluster_stops_what_it_started(tmp_path):
    """The helper itself: every process is gone after the ``with`` block."""
    from clusterutil import LocalCluster

    with LocalCluster(tmp_path, {"manager": "manager", "worker-1": "worker"}) as c:
        c.start_all([LIVENESS])
        c.wait_for("worker-1", "node_up manager")
        procs = list(c.procs.values())
    assert all(p.poll() is not None for p in procs)


def test_manager_killed_and_restarted(local_cluster):
    """The manager runs the central proxy: when it is killed the workers see
    it go down within 2 s (their connection to the proxy breaks); after it
    is back with a new id they see it up, meet each other again, and
    traffic flows."""
    c = local_cluster({"manager": "manager", "worker-1": "worker", "worker-2": "worker"})
    c.start_all([LIVENESS])
    old = _my_id(c, "manager", 1)
    for w in ("worker-1", "worker-2"):
        c.wait_for(w, f"pong for {w} at {w}")
    c.wait_for("worker-1", "node_up worker-2")
    c.wait_for("worker-2", "node_up worker-1")

    c.kill("manager")  # SIGKILL, and the central proxy goes with it
    t0 = time.monotonic()
    for w in ("worker-1", "worker-2"):
        c.wait_for(w, f"node_down manager {old}", timeout=5)
    assert time.monotonic() - t0 < 2.0 + 0.5  # polling slack
    # Without the proxy the workers cannot reach each other either.
    c.wait_for("worker-1", "node_down worker-2", timeout=5)
    c.start("manager", [LIVENESS])
    new = _my_id(c, "manager", 2)
    assert new != old
    for w in ("worker-1", "worker-2"):
        c.wait_for("manager", f"ping from {w}", count=2)
        c.wait_for(w, f"pong for {w} at {w}", count=2)
        c.wait_for(w, f"node_up manager {new}")
    c.wait_for("worker-1", "node_up worker-2", count=2)  # they meet again
    time.sleep(SETTLE)
    for w in ("worker-1", "worker-2"):
        seen = [ln for ln in lines(c, w, prefix="node_") if "manager" in ln]
        assert seen == [
            f"node_up manager {old}",
            f"node_down manager {old}",
            f"node_up manager {new}",
        ], c.output(w)
        assert "error" not in c.output(w), c.output(w)
    assert "up: workers 2/2 proxies 0/0" in lines(c, "manager", run=2)
