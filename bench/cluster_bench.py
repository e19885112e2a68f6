"""Cluster pub/sub through the ZeroMQ proxy: zscript nodes vs raw pyzmq, in one run.

Usage::

    python bench/cluster_bench.py            # 100k events x 3, 2000 round trips x 3
    python bench/cluster_bench.py --quick    # small sizes, one repetition (smoke test)
    python bench/cluster_bench.py --netns    # also across network namespaces (root)
    python bench/cluster_bench.py --backend zeromq,nats   # also zscript on ZeroMQ vs NATS

Results (2026-11-23, this 2-core machine, ``--reps 3``, medians)
---------------------------------------------------------------
::

    throughput  100000 events, 1 publisher -> proxy -> 2 subscribers
      zscript 107,256/s   raw pyzmq 123,800/s   ratio 0.87x   (target >= 0.50x)
    latency     2000 round trips manager -> worker -> manager
      median: zscript 343 us   raw 253 us   ratio 1.36x
      p99:    zscript 564 us   raw 396 us   ratio 1.43x

The raw rate here is below the ~160k msg/s of the issue because the
receivers, not the publisher, are the limit: with two subscribers and a
proxy thread on two cores, three busy processes share two CPUs.

What is measured
----------------
1. ``throughput``: one publishing node sends N events to two subscribing
   nodes through the central XSUB/XPUB proxy.

   * zscript: a layout with ``manager``, ``worker-1`` and ``worker-2`` (ports
     chosen free at run time on 127.0.0.1), each a ``zscript run NODE``
     process.  The manager runs the proxy thread, as in Zeek.  Once it has
     seen ``Cluster::node_up`` for both workers, one handler publishes
     ``Bench::ev("hello", i)`` for i = 0..N-1 to ``Cluster::worker_topic``
     with ``Cluster::publish``, then ``Bench::done(N)``.  Each worker's
     ``Bench::ev`` handler counts the event and checks that ``i`` is the
     next expected number (per-sender ordering); its ``Bench::done`` handler
     prints the count, the misordered count and the times of the first and
     the last event, then calls ``terminate()``.  The nodes' status files
     give the drop counters (must be 0).
   * raw: the same topology in plain pyzmq: a publisher process runs a
     :class:`~zscript.cluster.zeromq.CentralProxy` (the very class the
     manager uses, so the proxy is identical) and an XPUB connected to it;
     two subscriber processes each connect an XSUB, subscribe to the worker
     topic and loop on ``recv_multipart()`` counting messages (4 frames,
     not their own sender id) until the done message.  The publisher sends
     the same 4-frame messages ``[topic][sender id][format][payload]``
     with 4 ``send`` calls (``SNDMORE``), the payload being the bytes
     zscript's broker-bin-v1 serializer produces for ``Bench::ev("hello", 0)``
     (same size as every zscript event).

   Rate = N / (end - start), start = the publisher's clock just before its
   first send, end = the later of the two receivers' clocks after their
   last event (both ``time.time()``; one machine, one clock).  The receivers'
   own rate (N / (last - first)) is shown for information.

   Send high-water mark: a publisher sending in a tight loop outruns the
   subscribers, and at the default ``xpub_sndhwm`` of 1000 sends fail (and
   zscript counts them as drops).  Both sides therefore set the publisher's
   XPUB ``SNDHWM`` to 0 (unbounded; ``redef
   Cluster::Backend::ZeroMQ::xpub_sndhwm = 0`` in the zscript script), so
   nothing is dropped and the messages queue in the publisher; every other
   setting keeps its default on both sides (receivers' ``RCVHWM`` 1000,
   proxy with ``XPUB_NODROP``, which propagates back-pressure from a slow
   subscriber to the publisher's queue instead of dropping).

2. ``latency``: round trips manager -> worker -> manager, one at a time.
   zscript: the manager publishes ``Bench::ping(i)`` to the worker topic and
   its ``Bench::pong(i)`` handler (published back to the manager topic by
   the worker's ``Bench::ping`` handler) takes the time and sends the next
   ping; raw: a manager process (proxy + XPUB + XSUB) sends the same 4
   frames (zscript's payload bytes for ``ping``) and blocks in
   ``recv_multipart()`` for the worker process's pong.  After warm-up round
   trips, median and p99 over the next N.

3. ``--backend zeromq,nats``: zscript's throughput and latency runs (1 and
   2) again on each backend, alternating, with the same scripts and layout
   except ``backend = "nats"`` and the URL of a ``nats-server`` the bench
   starts (127.0.0.1, a free port, no JetStream) and stops; the rows give
   each backend's median and its ratio to the first.  On NATS the publisher
   keeps the backend's default flow control (``max_pending`` 10000, then a
   publish waits), as nothing is dropped there either.

4. ``--netns``: the zscript throughput and latency runs again, for each
   ``--backend``, over three network namespaces joined by a bridge
   (``tests/netns.py``): the manager (and the ZeroMQ proxy, or the
   ``nats-server``) on host A, worker-1 on host B, worker-2 on host C, so
   every event crosses two veth pairs and a bridge each way.  Each
   repetition runs the same measurement on loopback and across the
   namespaces; the rows give both and the ratio netns/loopback, one block
   per backend, so ZeroMQ and NATS are side by side in one run.

Every repetition runs raw and zscript alternately (order swapped each
time); the table shows the medians over the repetitions and the ratio
zscript/raw (rates: higher is better, target zscript >= 50% of raw).
Every process the bench starts is stopped when it ends, also on errors and
Ctrl-C.  The load average is printed before and after: the machine is
shared, so compare ratios from the same run only.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE.parent / "tests"))
sys.path.insert(0, str(HERE))

from report import Report, parse_or_run_role  # noqa: E402 - bench/ is on the path now

WORKER_TOPIC = b"zeek.cluster.worker"
MANAGER_TOPIC = b"zeek.cluster.manager"
TARGET = 0.5


def free_ports(n: int) -> list[int]:
    from clusterutil import free_ports as free  # tests/clusterutil.py

    return free(n)


# ---------------------------------------------------------------- scripts

DECLS = """
module Bench;
export {
    const n_events: count = 1000 &redef;
    const n_pings: count = 100 &redef;
    const n_warmup: count = 50 &redef;
    global ev: event(s: string, c: count);
    global done: event(n: count);
    global ping: event(i: count);
    global pong: event(i: count);
}
"""

#: Added to the throughput script on the ZeroMQ backend (see "Send high-water mark").
ZEROMQ_UNBOUNDED = "redef Cluster::Backend::ZeroMQ::xpub_sndhwm = 0;\n"

THROUGHPUT = (
    DECLS
    + """
@if ( Cluster::local_node_type() == Cluster::MANAGER )
global up_count = 0;
global down_count = 0;

event Cluster::node_up(name: string, id: string)
    {
    ++up_count;
    if ( up_count != 2 )
        return;
    local t0 = current_time();
    local i = 0;
    while ( i < n_events )
        {
        Cluster::publish(Cluster::worker_topic, Bench::ev, "hello", i);
        ++i;
        }
    Cluster::publish(Cluster::worker_topic, Bench::done, n_events);
    print fmt("START %.6f %.6f", time_to_double(t0), time_to_double(current_time()));
    }

event Cluster::node_down(name: string, id: string)
    {
    ++down_count;
    if ( down_count == 2 )
        terminate();
    }
@else
global received = 0;
global misordered = 0;
global first = 0.0;

event Bench::ev(s: string, c: count)
    {
    if ( received == 0 )
        first = time_to_double(current_time());
    if ( c != received )
        ++misordered;
    ++received;
    }

event Bench::done(n: count)
    {
    print fmt("RESULT %d %d %.6f %.6f", received, misordered, first,
              time_to_double(current_time()));
    terminate();
    }
@endif
"""
)

LATENCY = (
    DECLS
    + """
@if ( Cluster::local_node_type() == Cluster::MANAGER )
global t_sent: time;
global k = 0;
global lat: vector of double;

function send_ping()
    {
    t_sent = current_time();
    Cluster::publish(Cluster::worker_topic, Bench::ping, k);
    }

event Cluster::node_up(name: string, id: string)
    {
    send_ping();
    }

event Bench::pong(i: count)
    {
    local dt = time_to_double(current_time()) - time_to_double(t_sent);
    if ( i >= n_warmup )
        lat += dt;
    ++k;
    if ( k < n_warmup + n_pings )
        {
        send_ping();
        return;
        }
    for ( _, x in lat )
        print fmt("LAT %.9f", x);
    Cluster::publish(Cluster::worker_topic, Bench::done, k);
    }

event Cluster::node_down(name: string, id: string)
    {
    terminate();
    }
@else
event Bench::ping(i: count)
    {
    Cluster::publish(Cluster::manager_topic, Bench::pong, i);
    }

event Bench::done(n: count)
    {
    terminate();
    }
@endif
"""
)


def event_encoder(decls: str):
    """``enc(name, *args) -> bytes``: zscript's broker-bin-v1 payload of an
    event declared in ``decls`` (for raw processes that send what zscript sends)."""
    from zscript.cluster.serializers import get_serializer
    from zscript.diagnostics import SourceFile
    from zscript.host import Host

    host = Host(virtual_time=True, stdout=io.StringIO(), stderr=io.StringIO())
    host.load_source(SourceFile("decls.zs", decls))
    ser = get_serializer("broker-bin-v1")

    def enc(name: str, *args) -> bytes:
        t = host.checker.globals[name].type
        return ser.serialize_event(name, args, [p.type for p in t.params])

    return enc


def payloads() -> dict[str, str]:
    """zscript's broker-bin-v1 payloads of the bench events (hex), for the raw side."""
    enc = event_encoder(DECLS)
    return {
        "ev": enc("Bench::ev", "hello", 0).hex(),
        "done": enc("Bench::done", 0).hex(),
        "ping": enc("Bench::ping", 0).hex(),
        "pong": enc("Bench::pong", 0).hex(),
    }


# ------------------------------------------------------------ processes


class Procs:
    """Child processes; :meth:`stop_all` ends every one still running."""

    def __init__(self):
        self.procs: list[subprocess.Popen] = []

    def start(self, cmd: list[str], out: Path, cwd: Path, env: dict, stdin=None):
        with open(out, "wb") as f:
            p = subprocess.Popen(
                cmd, stdout=f, stderr=subprocess.STDOUT, stdin=stdin, cwd=cwd, env=env
            )
        self.procs.append(p)
        return p

    def stop_all(self) -> None:
        for p in self.procs:
            if p.poll() is None:
                if p.stdin is not None:
                    try:
                        p.stdin.close()
                    except OSError:
                        pass
                p.terminate()
        deadline = time.monotonic() + 5
        for p in self.procs:
            try:
                p.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        self.procs.clear()


def wait_exit(p: subprocess.Popen, timeout: float, what: str, out: Path) -> None:
    try:
        rc = p.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"{what} did not finish within {timeout:.0f}s:\n{tail(out)}") from None
    if rc != 0:
        raise RuntimeError(f"{what} exited with status {rc}:\n{tail(out)}")


def tail(path: Path, n: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-n:])
    except OSError:
        return ""


def child_env(extra: dict | None = None) -> dict:
    env = dict(os.environ)
    env["PYTHONUNBUFFERED"] = "1"
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update(extra or {})
    return env


#: The NATS server of the NATS rows (``--backend ...,nats``), started once per run.
NATS: list = []


def nats_url() -> str:
    """The bench's ``nats-server`` (127.0.0.1, a free port), started on first use."""
    if not NATS:
        from natsutil import NATSServer  # tests/natsutil.py

        NATS.append(
            NATSServer(Path(tempfile.mkdtemp(prefix="zscript-bench-nats-")), jetstream=False)
        )
    return NATS[0].url


def zscript_cluster(
    tmp: Path, nodes: dict[str, str], net: Net | None = None, backend: str = "zeromq"
) -> Path:
    xpub, xsub, *rest = free_ports(2 + len(nodes) * 2)
    lines = [
        "[cluster]",
        'serializer = "broker-bin-v1"',
        f"xpub_port = {xpub}",
        f"xsub_port = {xsub}",
    ]
    if backend == "nats":
        url = net.nats_url() if net is not None else nats_url()
        lines += ['backend = "nats"', f'nats_url = "{url}"']
    for name, kind in nodes.items():
        host = net.address(name) if net is not None else "127.0.0.1"
        lines += ["", f"[nodes.{name}]", f'type = "{kind}"', f'host = "{host}"']
        if kind == "manager":
            lines.append(f"port = {rest.pop()}")
        lines.append(f"metrics_port = {rest.pop()}")
    layout = tmp / "cluster.toml"
    layout.write_text("\n".join(lines) + "\n")
    return layout


#: Set by ``--profile DIR``: zscript nodes run under cProfile, writing ``DIR/<node>.prof``.
PROFILE_DIR: Path | None = None


def zscript_cmd(node: str) -> list[str]:
    cmd = [sys.executable]
    if PROFILE_DIR is not None:
        cmd += ["-m", "cProfile", "-o", str(PROFILE_DIR / f"{node}.prof")]
    return [*cmd, "-m", "zscript", "run"]


def lines_with(path: Path, tag: str) -> list[list[str]]:
    return [ln.split()[1:] for ln in path.read_text().splitlines() if ln.startswith(tag + " ")]


# ----------------------------------------------------------------- runs


@dataclass
class Throughput:
    rate: float  # events per second per receiver, end to end
    recv_rate: float  # receiver-side: N / (last - first), the slower receiver
    send_time: float  # seconds the publisher spent sending


def start_nodes(procs, nodes, script: Path, layout: Path, tmp: Path, env, net=None) -> dict:
    """Start ``zscript run NODE script --layout layout`` for every node (on its
    host of ``net``, if given); output in tmp."""
    place = net.command if net is not None else (lambda node, cmd: cmd)
    return {
        node: procs.start(
            place(node, [*zscript_cmd(node), node, str(script), "--layout", str(layout)]),
            tmp / f"{node}.out",
            tmp,
            env,
        )
        for node in nodes
    }


def zscript_throughput(
    n: int, timeout: float, net: Net | None = None, backend: str = "zeromq"
) -> Throughput:
    nodes = {"manager": "manager", "worker-1": "worker", "worker-2": "worker"}
    procs = Procs()
    with tempfile.TemporaryDirectory(prefix="zscript-cluster-bench-") as d:
        tmp = Path(d)
        layout = zscript_cluster(tmp, nodes, net, backend)
        script = tmp / "throughput.zs"
        extra = ZEROMQ_UNBOUNDED if backend == "zeromq" else ""
        script.write_text(THROUGHPUT + extra + f"\nredef Bench::n_events = {n};\n")
        env = child_env({"ZSCRIPT_CLUSTER_RUN_DIR": str(tmp)})
        try:
            ps = start_nodes(procs, nodes, script, layout, tmp, env, net)
            for node in ("worker-1", "worker-2", "manager"):
                wait_exit(ps[node], timeout, f"zscript {node}", tmp / f"{node}.out")
        finally:
            procs.stop_all()
        (start, sent), *_ = lines_with(tmp / "manager.out", "START")
        results = []
        for w in ("worker-1", "worker-2"):
            found = lines_with(tmp / f"{w}.out", "RESULT")
            if not found:
                raise RuntimeError(f"{w} printed no result:\n{tail(tmp / f'{w}.out')}")
            count, misordered, first, last = found[0]
            if int(count) != n or int(misordered) != 0:
                raise RuntimeError(f"{w}: received {count} of {n}, {misordered} out of order")
            results.append((float(first), float(last)))
        for node in nodes:
            st = json.loads((tmp / f"{node}.status.json").read_text())
            drops = {k: st[k] for k in ("send_drops", "recv_drops", "malformed") if st.get(k)}
            if drops:
                raise RuntimeError(f"{node}: {drops}")
    return _throughput(n, float(start), float(sent), results)


def _throughput(n: int, start: float, sent: float, results) -> Throughput:
    end = max(last for _, last in results)
    slow = max(last - first for first, last in results)
    return Throughput(n / (end - start), n / slow if slow > 0 else float("inf"), sent - start)


def raw_throughput(n: int, timeout: float, pl: dict[str, str]) -> Throughput:
    xpub, xsub = free_ports(2)
    procs = Procs()
    me = [sys.executable, str(Path(__file__).resolve())]
    with tempfile.TemporaryDirectory(prefix="zscript-cluster-bench-") as d:
        tmp = Path(d)
        env = child_env()
        try:
            pub = procs.start(
                [*me, "--role", "raw-pub", str(xsub), str(xpub), str(n), pl["ev"], pl["done"]],
                tmp / "pub.out",
                tmp,
                env,
                stdin=subprocess.PIPE,
            )
            subs = [
                procs.start(
                    [*me, "--role", "raw-sub", str(xsub), str(xpub), str(i), pl["done"]],
                    tmp / f"sub{i}.out",
                    tmp,
                    env,
                )
                for i in (1, 2)
            ]
            for i, p in enumerate(subs, 1):
                wait_exit(p, timeout, f"raw subscriber {i}", tmp / f"sub{i}.out")
            pub.stdin.close()
            wait_exit(pub, timeout, "raw publisher", tmp / "pub.out")
        finally:
            procs.stop_all()
        (start, sent), *_ = lines_with(tmp / "pub.out", "START")
        results = []
        for i in (1, 2):
            count, first, last = lines_with(tmp / f"sub{i}.out", "RESULT")[0]
            if int(count) != n:
                raise RuntimeError(f"raw subscriber {i}: received {count} of {n}")
            results.append((float(first), float(last)))
    return _throughput(n, float(start), float(sent), results)


def zscript_latency(
    n: int, warmup: int, timeout: float, net: Net | None = None, backend: str = "zeromq"
) -> list[float]:
    nodes = {"manager": "manager", "worker-1": "worker"}
    procs = Procs()
    with tempfile.TemporaryDirectory(prefix="zscript-cluster-bench-") as d:
        tmp = Path(d)
        layout = zscript_cluster(tmp, nodes, net, backend)
        script = tmp / "latency.zs"
        script.write_text(
            LATENCY + f"\nredef Bench::n_pings = {n};\nredef Bench::n_warmup = {warmup};\n"
        )
        env = child_env()
        try:
            ps = start_nodes(procs, nodes, script, layout, tmp, env, net)
            for node in ("worker-1", "manager"):
                wait_exit(ps[node], timeout, f"zscript {node}", tmp / f"{node}.out")
        finally:
            procs.stop_all()
        lat = [float(x[0]) for x in lines_with(tmp / "manager.out", "LAT")]
    if len(lat) != n:
        raise RuntimeError(f"zscript manager measured {len(lat)} of {n} round trips")
    return lat


def raw_latency(n: int, warmup: int, timeout: float, pl: dict[str, str]) -> list[float]:
    xpub, xsub = free_ports(2)
    procs = Procs()
    me = [sys.executable, str(Path(__file__).resolve())]
    with tempfile.TemporaryDirectory(prefix="zscript-cluster-bench-") as d:
        tmp = Path(d)
        env = child_env()
        try:
            mgr = procs.start(
                [*me, "--role", "raw-ping", str(xsub), str(xpub), str(n), str(warmup)]
                + [pl["ping"], pl["done"]],
                tmp / "mgr.out",
                tmp,
                env,
                stdin=subprocess.PIPE,
            )
            wrk = procs.start(
                [*me, "--role", "raw-pong", str(xsub), str(xpub), pl["pong"], pl["done"]],
                tmp / "wrk.out",
                tmp,
                env,
            )
            wait_exit(wrk, timeout, "raw worker", tmp / "wrk.out")
            mgr.stdin.close()
            wait_exit(mgr, timeout, "raw manager", tmp / "mgr.out")
        finally:
            procs.stop_all()
        lat = [float(x[0]) for x in lines_with(tmp / "mgr.out", "LAT")]
    if len(lat) != n:
        raise RuntimeError(f"raw manager measured {len(lat)} of {n} round trips")
    return lat


# ------------------------------------------------------- raw roles (children)


def _raw_socket(ctx, kind: int):

    from zscript.cluster.zeromq import tune_socket

    return tune_socket(ctx.socket(kind), 500, False)


def _wait_subscriptions(xpub, topic: bytes, count: int) -> None:
    seen = 0
    while seen < count:
        if xpub.recv() == b"\x01" + topic:
            seen += 1


def role_raw_pub(xsub: str, xpub: str, n: str, ev: str, done: str) -> None:
    import zmq

    from zscript.cluster.zeromq import CentralProxy

    proxy = CentralProxy(f"tcp://127.0.0.1:{xsub}", f"tcp://127.0.0.1:{xpub}")
    ctx = zmq.Context(io_threads=1)
    pub = _raw_socket(ctx, zmq.XPUB)
    pub.setsockopt(zmq.XPUB_VERBOSER, 1)
    pub.setsockopt(zmq.XPUB_NODROP, 1)
    pub.setsockopt(zmq.SNDHWM, 0)
    pub.connect(f"tcp://127.0.0.1:{xsub}")
    _wait_subscriptions(pub, WORKER_TOPIC, 2)
    payload, done_payload = bytes.fromhex(ev), bytes.fromhex(done)
    own, fmt, topic = b"raw_publisher", b"broker-bin-v1", WORKER_TOPIC
    send, more = pub.send, zmq.SNDMORE
    t0 = time.time()
    for _ in range(int(n)):
        send(topic, more)
        send(own, more)
        send(fmt, more)
        send(payload)
    for frame in (topic, own, fmt):
        send(frame, more)
    send(done_payload)
    print(f"START {t0:.6f} {time.time():.6f}", flush=True)
    sys.stdin.read()  # keep the proxy until the driver is done
    pub.close(500)
    proxy.stop()
    ctx.term()


def role_raw_sub(xsub: str, xpub: str, i: str, done: str) -> None:
    import zmq

    ctx = zmq.Context(io_threads=1)
    sub = _raw_socket(ctx, zmq.XSUB)
    sub.setsockopt(zmq.RCVHWM, 1000)
    sub.connect(f"tcp://127.0.0.1:{xpub}")
    sub.send(b"\x01" + WORKER_TOPIC)
    own, done_payload = f"raw_subscriber_{i}".encode(), bytes.fromhex(done)
    recv = sub.recv_multipart
    count, first = 0, 0.0
    while True:
        frames = recv()
        if len(frames) != 4 or frames[1] == own:
            continue
        if frames[3] == done_payload:
            break
        if not count:
            first = time.time()
        count += 1
    print(f"RESULT {count} {first:.6f} {time.time():.6f}", flush=True)
    sub.close(0)
    ctx.term()


def _raw_endpoint(xsub: str, xpub: str, mine: bytes, peer: bytes):
    """A raw node of the latency run: (context, XPUB, XSUB) connected to the
    proxy, subscribed to ``mine``, once the peer's ``peer`` subscription is seen."""
    import zmq

    ctx = zmq.Context(io_threads=1)
    pub = _raw_socket(ctx, zmq.XPUB)
    pub.setsockopt(zmq.XPUB_VERBOSER, 1)
    pub.setsockopt(zmq.XPUB_NODROP, 1)
    pub.connect(f"tcp://127.0.0.1:{xsub}")
    sub = _raw_socket(ctx, zmq.XSUB)
    sub.connect(f"tcp://127.0.0.1:{xpub}")
    sub.send(b"\x01" + mine)
    _wait_subscriptions(pub, peer, 1)
    return ctx, pub, sub


def role_raw_ping(xsub: str, xpub: str, n: str, warmup: str, ping: str, done: str) -> None:
    import zmq

    from zscript.cluster.zeromq import CentralProxy

    proxy = CentralProxy(f"tcp://127.0.0.1:{xsub}", f"tcp://127.0.0.1:{xpub}")
    ctx, pub, sub = _raw_endpoint(xsub, xpub, MANAGER_TOPIC, WORKER_TOPIC)
    own, fmt, topic = b"raw_manager", b"broker-bin-v1", WORKER_TOPIC
    payload, done_payload = bytes.fromhex(ping), bytes.fromhex(done)
    send, more, recv, clock = pub.send, zmq.SNDMORE, sub.recv_multipart, time.perf_counter
    lat = []
    for k in range(int(warmup) + int(n)):
        t0 = clock()
        send(topic, more)
        send(own, more)
        send(fmt, more)
        send(payload)
        while True:
            frames = recv()
            if len(frames) == 4 and frames[1] != own:
                break
        if k >= int(warmup):
            lat.append(clock() - t0)
    for frame in (topic, own, fmt):
        send(frame, more)
    send(done_payload)
    print("\n".join(f"LAT {x:.9f}" for x in lat), flush=True)
    sys.stdin.read()
    pub.close(500)
    sub.close(0)
    proxy.stop()
    ctx.term()


def role_raw_pong(xsub: str, xpub: str, pong: str, done: str) -> None:
    import zmq

    ctx, pub, sub = _raw_endpoint(xsub, xpub, WORKER_TOPIC, MANAGER_TOPIC)
    own, fmt, topic = b"raw_worker", b"broker-bin-v1", MANAGER_TOPIC
    payload, done_payload = bytes.fromhex(pong), bytes.fromhex(done)
    send, more, recv = pub.send, zmq.SNDMORE, sub.recv_multipart
    while True:
        frames = recv()
        if len(frames) != 4 or frames[1] == own:
            continue
        if frames[3] == done_payload:
            break
        send(topic, more)
        send(own, more)
        send(fmt, more)
        send(payload)
    pub.close(500)
    sub.close(0)
    ctx.term()


ROLES = {
    "raw-pub": role_raw_pub,
    "raw-sub": role_raw_sub,
    "raw-ping": role_raw_ping,
    "raw-pong": role_raw_pong,
}

# ----------------------------------------------------------------- driver


# ------------------------------------------------------- across namespaces


class Net:
    """The bench's nodes on three hosts (network namespaces, ``tests/netns.py``):
    the manager on A, worker-1 on B, worker-2 on C."""

    PLACES = {"manager": "a", "worker-1": "b", "worker-2": "c"}
    ADDRESSES = {"a": "10.213.0.1", "b": "10.213.0.2", "c": "10.213.0.3"}

    def __init__(self):
        from netns import Hosts  # tests/netns.py

        self.hosts = Hosts(self.ADDRESSES)
        self.nats = None

    def __enter__(self) -> Net:
        self.hosts.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        if self.nats is not None:
            self.nats.stop()
        self.hosts.close()

    def nats_url(self) -> str:
        """A ``nats-server`` on host A (the manager's), started on first use."""
        if self.nats is None:
            from natsutil import NATSServer  # tests/natsutil.py

            self.nats = NATSServer(
                Path(tempfile.mkdtemp(prefix="zscript-bench-nats-")),
                jetstream=False,
                address=self.ADDRESSES["a"],
                wrap=lambda argv: self.hosts.command("a", argv),
            )
        return self.nats.url

    def address(self, node: str) -> str:
        return self.ADDRESSES[self.PLACES[node]]

    def command(self, node: str, cmd: list[str]) -> list[str]:
        return self.hosts.command(self.PLACES[node], cmd)


def netns_rows(backend: str, n: int, pings: int, warmup: int, reps: int, timeout: float, report):
    """The zscript measurements on loopback and across namespaces, side by side."""
    from netns import unavailable

    why = unavailable()
    if why is not None:
        raise RuntimeError(f"--netns: {why}")
    loop_t, net_t, loop_l, net_l = [], [], [], []
    with Net() as net:
        for i in range(reps):
            for where in [None, net][:: -1 if i % 2 else 1]:
                (net_t if where else loop_t).append(zscript_throughput(n, timeout, where, backend))
                (net_l if where else loop_l).append(
                    zscript_latency(pings, warmup, timeout, where, backend)
                )
    lo_rate = statistics.median(t.rate for t in loop_t)
    ns_rate = statistics.median(t.rate for t in net_t)
    lo_p99 = statistics.median(pctl(x, 0.99) for x in loop_l)
    ns_p99 = statistics.median(pctl(x, 0.99) for x in net_l)
    lo_med = statistics.median(statistics.median(x) for x in loop_l)
    ns_med = statistics.median(statistics.median(x) for x in net_l)
    print(f"netns       {backend}: manager on host A, workers on hosts B and C (zscript)")
    print(
        f"  throughput: loopback {lo_rate:>10,.0f}/s   netns {ns_rate:>10,.0f}/s"
        f"   ratio {ns_rate / lo_rate:.2f}x"
    )
    print(
        f"  latency median: loopback {lo_med * 1e6:>7.0f} us   netns {ns_med * 1e6:>7.0f} us"
        f"   ratio {ns_med / lo_med:.2f}x"
    )
    print(
        f"  latency p99:    loopback {lo_p99 * 1e6:>7.0f} us   netns {ns_p99 * 1e6:>7.0f} us"
        f"   ratio {ns_p99 / lo_p99:.2f}x"
    )
    report.add(
        f"netns_{backend}_throughput", ns_rate, "events/s", ns_rate / lo_rate, baseline=lo_rate
    )
    report.add(f"netns_{backend}_latency_p99", ns_p99, "s", ns_p99 / lo_p99, baseline=lo_p99)


def backend_rows(backends, n: int, pings: int, warmup: int, reps: int, timeout: float, report):
    """The zscript throughput and latency on each backend of ``backends``,
    side by side (alternating order per repetition), with the ratio of each
    to the first (ZeroMQ)."""
    rates: dict[str, list] = {b: [] for b in backends}
    lats: dict[str, list] = {b: [] for b in backends}
    for i in range(reps):
        for b in backends[:: -1 if i % 2 else 1]:
            rates[b].append(zscript_throughput(n, timeout, backend=b))
            lats[b].append(zscript_latency(pings, warmup, timeout, backend=b))
    base = backends[0]
    rate = {b: statistics.median(t.rate for t in rates[b]) for b in backends}
    med = {b: statistics.median(statistics.median(x) for x in lats[b]) for b in backends}
    p99 = {b: statistics.median(pctl(x, 0.99) for x in lats[b]) for b in backends}
    print(
        f"backends    zscript on {', '.join(backends)} (same scripts and layout; ratio to {base})"
    )
    for b in backends:
        print(
            f"  {b:<8} throughput {rate[b]:>10,.0f}/s ({rate[b] / rate[base]:.2f}x)"
            f"   latency median {med[b] * 1e6:>6.0f} us ({med[b] / med[base]:.2f}x)"
            f"   p99 {p99[b] * 1e6:>6.0f} us ({p99[b] / p99[base]:.2f}x)"
        )
        if b != base:
            report.add(
                f"{b}_throughput", rate[b], "events/s", rate[b] / rate[base], baseline=rate[base]
            )
            report.add(f"{b}_latency_p99", p99[b], "s", p99[b] / p99[base], baseline=p99[base])


def pctl(xs: list[float], q: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, int(round(q * (len(s) - 1))))]


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of process ``pid`` so far, all its threads
    (None once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / _TICKS


_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "?"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes, one repetition (smoke test)")
    ap.add_argument("--events", type=int, help="events per throughput run")
    ap.add_argument("--pings", type=int, help="timed round trips per latency run")
    ap.add_argument("--reps", type=int, help="repetitions of each measurement (median reported)")
    ap.add_argument(
        "--only", choices=("throughput", "latency"), help="run only one of the measurements"
    )
    ap.add_argument(
        "--profile", metavar="DIR", help="run the zscript nodes under cProfile (DIR/<node>.prof)"
    )
    ap.add_argument(
        "--backend",
        default="zeromq",
        help="cluster backends, comma-separated (zeromq, nats): with more than one, also"
        " zscript's throughput and latency on each, side by side (default zeromq)",
    )
    ap.add_argument(
        "--netns",
        action="store_true",
        help="also measure across network namespaces, beside loopback (needs root)",
    )
    args = parse_or_run_role(ap, argv, ROLES)
    if args is None:
        return 0
    backends = [b.strip() for b in args.backend.split(",") if b.strip()]
    unknown = sorted(set(backends) - {"zeromq", "nats"})
    if unknown or not backends:
        ap.error(f"--backend: unknown backend {', '.join(unknown) or '(none)'} (zeromq, nats)")
    if args.profile:
        global PROFILE_DIR
        PROFILE_DIR = Path(args.profile).resolve()
        PROFILE_DIR.mkdir(parents=True, exist_ok=True)
    n = args.events or (3000 if args.quick else 100_000)
    pings = args.pings or (200 if args.quick else 2000)
    warmup = 20 if args.quick else 200
    reps = args.reps or (1 if args.quick else 3)
    timeout = 60 + n / 2000
    pl = payloads()
    print(
        f"zscript cluster bench{' (quick)' if args.quick else ''}: Python"
        f" {platform.python_version()}, {os.cpu_count()} cores, {reps} repetitions, medians;"
        f" load average before: {load()}"
    )
    failed = False
    report = Report()
    if args.only in (None, "throughput"):
        zs, raw = [], []
        try:
            for i in range(reps):
                order = [("raw", raw), ("zs", zs)]
                for side, out in order[:: -1 if i % 2 else 1]:
                    if side == "raw":
                        out.append(raw_throughput(n, timeout, pl))
                    else:
                        out.append(zscript_throughput(n, timeout))
        except Exception as exc:  # noqa: BLE001 - reported, exit status 1
            print(f"throughput  ERROR: {type(exc).__name__}: {exc}")
            failed = True
        else:
            zr = statistics.median(t.rate for t in zs)
            rr = statistics.median(t.rate for t in raw)
            ratio = zr / rr
            print(
                f"throughput  {n} events, 1 publisher -> proxy -> 2 subscribers (events/s per"
                " subscriber, end to end)"
            )
            print(
                f"  zscript {zr:>10,.0f}/s   raw pyzmq {rr:>10,.0f}/s   ratio {ratio:.2f}x"
                f"   target >= {TARGET:.2f}x {'ok' if ratio >= TARGET else 'UNDER'}"
            )
            report.add("throughput", zr, "events/s", ratio, baseline=rr, target=TARGET)
            print(
                "  samples zscript: "
                + ", ".join(f"{t.rate:,.0f}" for t in zs)
                + "; raw: "
                + ", ".join(f"{t.rate:,.0f}" for t in raw)
            )
            print(
                f"  receiver-side rate (slower subscriber, first..last event): zscript"
                f" {statistics.median(t.recv_rate for t in zs):,.0f}/s, raw"
                f" {statistics.median(t.recv_rate for t in raw):,.0f}/s; publisher send loop:"
                f" zscript {statistics.median(n / t.send_time for t in zs):,.0f}/s, raw"
                f" {statistics.median(n / t.send_time for t in raw):,.0f}/s"
            )
    if args.only in (None, "latency"):
        zs_l, raw_l = [], []
        try:
            for i in range(reps):
                order = [("raw", raw_l), ("zs", zs_l)]
                for side, out in order[:: -1 if i % 2 else 1]:
                    if side == "raw":
                        out.append(raw_latency(pings, warmup, timeout, pl))
                    else:
                        out.append(zscript_latency(pings, warmup, timeout))
        except Exception as exc:  # noqa: BLE001
            print(f"latency     ERROR: {type(exc).__name__}: {exc}")
            failed = True
        else:
            zm = statistics.median(statistics.median(x) for x in zs_l)
            rm = statistics.median(statistics.median(x) for x in raw_l)
            zp = statistics.median(pctl(x, 0.99) for x in zs_l)
            rp = statistics.median(pctl(x, 0.99) for x in raw_l)
            report.add("latency_median", zm, "s", zm / rm, baseline=rm)
            report.add("latency_p99", zp, "s", zp / rp, baseline=rp)
            print(f"latency     {pings} round trips manager -> worker -> manager (after {warmup})")
            print(
                f"  median: zscript {zm * 1e6:>7.0f} us   raw pyzmq {rm * 1e6:>7.0f} us"
                f"   ratio {zm / rm:.2f}x"
            )
            print(
                f"  p99:    zscript {zp * 1e6:>7.0f} us   raw pyzmq {rp * 1e6:>7.0f} us"
                f"   ratio {zp / rp:.2f}x"
            )
    if len(backends) > 1:
        try:
            backend_rows(backends, n, pings, warmup, reps, timeout, report)
        except Exception as exc:  # noqa: BLE001 - reported, exit status 1
            print(f"backends    ERROR: {type(exc).__name__}: {exc}")
            failed = True
    for backend in backends if args.netns else ():
        try:
            netns_rows(backend, n, pings, warmup, reps, timeout, report)
        except Exception as exc:  # noqa: BLE001 - reported, exit status 1
            print(f"netns       {backend}: ERROR: {type(exc).__name__}: {exc}")
            failed = True
    for server in NATS:
        server.stop()
    print(f"load average after: {load()}")
    report.write(args.json)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
