"""Fan-in: W senders publishing to one manager, against raw pyzmq receivers.

Usage::

    python bench/fanin_bench.py                  # 1, 2, 4, 8 senders x 50k events, 3 reps
    python bench/fanin_bench.py --quick          # small sizes, one repetition (smoke test)
    python bench/fanin_bench.py --senders 8 --events 50000 --json out.json

What is measured
----------------
The manager is the node every worker reports to; how many events per second
it takes in, with its handlers running, is what limits a cluster's fan-in.
At each point of the curve, W sender processes publish N events each, as
fast as they can, to ``Cluster::manager_topic`` through the central
XSUB/XPUB proxy, and one receiver takes them:

* ``zscript``: a ``zscript run manager`` process (running the central proxy,
  as a manager does) whose ``Bench::ev`` handler counts the events and
  whose ``Bench::probe`` handler takes the time each probe spent in flight;
* ``raw multipart``: a plain pyzmq process running the same proxy
  (:class:`~zscript.cluster.zeromq.CentralProxy`) and an XSUB that loops on
  ``recv_multipart()``, counting 4-frame messages.  Its XSUB connects to the
  proxy as the zscript manager's does, in memory (``inproc://``, the
  proxy's context); ``--raw-tcp`` connects it over TCP instead, as zscript
  did before it used inproc (the baseline of earlier runs);
* ``raw frames``: the same, reading frame by frame with ``recv(copy=False)``
  and each frame's ``more`` flag, as zscript's receive path does.

A raw receiver that gets nothing for ``RAW_IDLE_TIMEOUT`` seconds stops,
says so (``STALLED``) and reports how many messages it got, which the
driver reports as an error ("received X of N"): a lost message never
hangs the bench.

Every receiver says READY once it is in its receive loop (the zscript
manager from an event scheduled in ``zeek_init``, which runs in the event
loop's first round, after start-up), and the senders start only then: a
manager is up long before its workers publish, and its start-up is
measured by ``bench/run.py``, not here.

The senders are the same in all three runs: plain pyzmq processes with an
XPUB connected to the proxy (default ``SNDHWM`` 1000, blocking sends: the
raw equivalent of zscript's flow control) that wait until the receiver's
subscription reaches them, then send the 4-frame messages
``[topic][sender id][format][payload]`` zscript sends, the payload being
the bytes zscript's broker-bin-v1 serializer makes for ``Bench::ev``.
Sending from raw processes keeps the senders' cost equal, so the ratio is
the receiver's; on this 2-core machine the senders still take CPU from the
receiver, as workers do on a manager's host.

Every 500th message is a probe: its topic is ``zeek.cluster.manager.probe.<t>``
(the wall-clock send time; the raw receivers read it there) and its payload
``Bench::probe(t)`` (the zscript manager reads it there).  Latency is the
receive time minus the send time, one clock; the p99 of all probes is
reported.  Under a saturating burst it is mostly queueing time.

The proxy-pool curve (``--pool``, on by default): 2 zscript workers each
send N events with ``Cluster::publish_hrw(Cluster::proxy_pool, i, ...)``
to a pool of 1, 2 and 4 zscript proxies, whose handlers count them.  Its
ratio is each point's rate over the one-proxy rate (how the pool scales;
there is no raw equivalent of HRW pools), and every event must arrive.

CPU/event is the receiver process's CPU time (user + system, all threads:
the proxy's and ZeroMQ's too; from ``/proc``) from the start signal to its
result, over W * N, for zscript and the raw receiver that needed least.
On a shared, loaded machine the rates swing with what else runs; the CPU
a receiver spends per event much less so.

Rate = W * N / (last event received - first send).  Each point runs the
three receivers alternately (order rotated per repetition); the table gives
medians and the ratio of zscript to the faster raw receiver (target >= 0.8).
Nothing may be lost: every receiver must count W * N events, and the zscript
manager's status must show no drops.  Every process is stopped at the end,
also on errors.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from cluster_bench import (  # noqa: E402 - bench/ is on the path now
    Procs,
    child_env,
    cpu_seconds,
    event_encoder,
    free_ports,
    lines_with,
    load,
    pctl,
    tail,
    wait_exit,
    zscript_cmd,
)
from report import Report, parse_or_run_role  # noqa: E402

TARGET = 0.8
MANAGER_TOPIC = b"zeek.cluster.manager"
PROBE_PREFIX = b"zeek.cluster.manager.probe."
PROBE_EVERY = 500
#: Seconds without a message after which a raw receiver gives up and reports.
RAW_IDLE_TIMEOUT = 30.0
FMT = b"broker-bin-v1"

DECLS = """
module Bench;
export {
    const n_total: count = 1000 &redef;
    global ev: event(s: string, c: count);
    global probe: event(t: double);
    global settled: event();
}
"""

MANAGER = (
    DECLS
    + """
global received = 0;
global first = 0.0;
global lat: vector of double;

event zeek_init()
    {
    # Runs in the event loop's first round: start-up is over.
    schedule 0sec { Bench::settled() };
    }

event Bench::settled()
    {
    print "READY";
    }

function finish()
    {
    print fmt("RESULT %d %.6f %.6f", received, first, time_to_double(current_time()));
    for ( _, x in lat )
        print fmt("LAT %.9f", x);
    terminate();
    }

event Bench::ev(s: string, c: count)
    {
    if ( received == 0 )
        first = time_to_double(current_time());
    ++received;
    if ( received == n_total )
        finish();
    }

event Bench::probe(t: double)
    {
    lat += time_to_double(current_time()) - t;
    if ( received == 0 )
        first = time_to_double(current_time());
    ++received;
    if ( received == n_total )
        finish();
    }
"""
)


def payloads() -> dict[str, bytes]:
    """zscript's broker-bin-v1 encoder for the bench events."""
    enc = event_encoder(DECLS)
    return {"ev": enc("Bench::ev", "hello", 0), "probe": enc}


@dataclass
class Point:
    rate: float
    p99: float
    #: CPU time of the receiver process (all its threads) per event, seconds.
    cpu: float


def _cpu_until_result(rcv, out: Path, timeout: float, what: str) -> float:
    """The receiver's CPU time when its RESULT line appeared (sampled every
    10 ms: the last sample before the line was seen), then its exit awaited."""
    deadline = time.monotonic() + timeout
    last = cpu_seconds(rcv.pid)
    while "RESULT" not in out.read_text():
        if rcv.poll() is not None or time.monotonic() > deadline:
            break  # wait_exit says what went wrong
        last = cpu_seconds(rcv.pid) or last
        time.sleep(0.01)
    wait_exit(rcv, max(1.0, deadline - time.monotonic()), what, out)
    return last or 0.0


# ----------------------------------------------------------- child roles


def role_sender(xsub: str, n: str, sid: str, ev_hex: str) -> None:
    """Send ``n`` events (every PROBE_EVERY-th a probe) once the manager topic is subscribed."""
    import zmq

    from zscript.cluster.zeromq import tune_socket

    enc = payloads()["probe"]
    ctx = zmq.Context(io_threads=1)
    pub = tune_socket(ctx.socket(zmq.XPUB), 500, False)
    pub.setsockopt(zmq.XPUB_VERBOSER, 1)
    pub.setsockopt(zmq.XPUB_NODROP, 1)
    pub.connect(f"tcp://127.0.0.1:{xsub}")
    while pub.recv() != b"\x01" + MANAGER_TOPIC:
        pass
    print("READY", flush=True)
    sys.stdin.readline()  # the driver says go once every sender is ready
    own, payload = f"raw_sender_{sid}".encode(), bytes.fromhex(ev_hex)
    send, more, topic = pub.send, zmq.SNDMORE, MANAGER_TOPIC
    t0 = time.time()
    for i in range(int(n)):
        if i % PROBE_EVERY == PROBE_EVERY - 1:
            t = time.time()
            send(PROBE_PREFIX + repr(t).encode(), more)
            send(own, more)
            send(FMT, more)
            send(enc("Bench::probe", t))
            continue
        send(topic, more)
        send(own, more)
        send(FMT, more)
        send(payload)
    print(f"START {t0:.6f}", flush=True)
    sys.stdin.read()  # keep the socket until the driver is done
    pub.close(500)
    ctx.term()


def role_receiver(how: str, xsub: str, xpub: str, total: str, link: str = "inproc") -> None:
    """A raw receiver (``multipart`` or ``frames``) running the central proxy,
    connected to it as a zscript manager is (``inproc``) or over ``tcp``."""
    import zmq

    from zscript.cluster.zeromq import CentralProxy, tune_socket

    proxy = CentralProxy(f"tcp://127.0.0.1:{xsub}", f"tcp://127.0.0.1:{xpub}")
    ctx = proxy.ctx if link == "inproc" else zmq.Context(io_threads=1)
    sub = tune_socket(ctx.socket(zmq.XSUB), 500, False)
    sub.setsockopt(zmq.RCVHWM, 1000)
    sub.connect(proxy.inproc_xpub if link == "inproc" else f"tcp://127.0.0.1:{xpub}")
    sub.send(b"\x01" + MANAGER_TOPIC)
    # A receiver that stops getting messages says how many arrived (the
    # driver then reports "received X of N") rather than hanging silently.
    sub.setsockopt(zmq.RCVTIMEO, int(RAW_IDLE_TIMEOUT * 1000))
    print("READY", flush=True)
    total, lat = int(total), []
    try:
        count, first = _raw_receive(how, sub, total, lat)
    except _Stalled as e:
        count, first = e.args
        print(f"STALLED: nothing for {RAW_IDLE_TIMEOUT:.0f}s after {count} of {total}", flush=True)
    end = time.time()
    print(f"RESULT {count} {first:.6f} {end:.6f}", flush=True)
    print("\n".join(f"LAT {x:.9f}" for x in lat), flush=True)
    sub.close(0)
    proxy.stop()
    if ctx is not proxy.ctx:
        ctx.term()


class _Stalled(Exception):
    """A raw receiver got nothing for RAW_IDLE_TIMEOUT: ``(count, first)``."""


def _raw_receive(how: str, sub, total: int, lat: list) -> tuple[int, float]:
    """Count ``total`` 4-frame messages on ``sub`` (probe latencies into
    ``lat``): ``(count, time of the first)``; :class:`_Stalled` on a timeout."""
    import zmq

    count, first, plen, clock = 0, 0.0, len(PROBE_PREFIX), time.time
    try:
        if how == "multipart":
            recv = sub.recv_multipart
            while count < total:
                frames = recv()
                if len(frames) != 4:
                    continue
                if not count:
                    first = clock()
                count += 1
                topic = frames[0]
                if len(topic) > plen and topic.startswith(PROBE_PREFIX):
                    lat.append(clock() - float(topic[plen:]))
        else:
            recv = sub.recv
            while count < total:
                topic = recv(0, False)
                if not topic.more:
                    continue
                sender = recv(0, False)
                if not sender.more:
                    continue
                fmt = recv(0, False)
                if not fmt.more:
                    continue
                payload = recv(0, False)
                if payload.more:
                    while recv(0, False).more:
                        pass
                    continue
                if not count:
                    first = clock()
                count += 1
                t = topic.bytes
                if len(t) > plen and t.startswith(PROBE_PREFIX):
                    lat.append(clock() - float(t[plen:]))
    except zmq.Again:
        raise _Stalled(count, first) from None
    return count, first


ROLES = {"sender": role_sender, "receiver": role_receiver}

POOL = """
module Bench;
export {
    const n_events: count = 1000 &redef;
    const n_proxies: count = 1 &redef;
    const n_workers: count = 2 &redef;
    global ev: event(k: count);
    global done: event(sender: string, n: count);
}

@if ( Cluster::local_node_type() == Cluster::WORKER )
global started = F;

event Cluster::node_up(name: string, id: string)
    {
    if ( started || Cluster::proxy_pool$alive_count < n_proxies )
        return;
    started = T;
    print fmt("START %.6f", time_to_double(current_time()));
    local i = 0;
    while ( i < n_events )
        {
        Cluster::publish_hrw(Cluster::proxy_pool, i, Bench::ev, i);
        ++i;
        }
    Cluster::publish(Cluster::proxy_topic, Bench::done, Cluster::node, n_events);
    }
@endif

@if ( Cluster::local_node_type() == Cluster::PROXY )
global got = 0;
global first = 0.0;
global dones = 0;

event Bench::ev(k: count)
    {
    if ( got == 0 )
        first = time_to_double(current_time());
    ++got;
    }

event Bench::done(sender: string, n: count)
    {
    ++dones;
    if ( dones == n_workers )
        print fmt("RESULT %d %.6f %.6f", got, first, time_to_double(current_time()));
    }
@endif
"""

# ---------------------------------------------------------------- runs


def _manager_layout(tmp: Path) -> Path:
    xpub, xsub, port, metrics = free_ports(4)
    layout = tmp / "cluster.toml"
    layout.write_text(
        "[cluster]\n"
        'serializer = "broker-bin-v1"\n'
        f"xpub_port = {xpub}\nxsub_port = {xsub}\n\n"
        '[nodes.manager]\ntype = "manager"\nhost = "127.0.0.1"\n'
        f"port = {port}\nmetrics_port = {metrics}\n"
    )
    return layout


def run_point(
    receiver: str, senders: int, n: int, timeout: float, ev_hex: str, link: str = "inproc"
) -> Point:
    """One run: ``senders`` x ``n`` events into ``receiver`` (zscript, multipart,
    frames; ``link``: how a raw receiver connects to its proxy)."""
    procs = Procs()
    me = [sys.executable, str(Path(__file__).resolve())]
    total = senders * n
    with tempfile.TemporaryDirectory(prefix="zscript-fanin-bench-") as d:
        tmp = Path(d)
        env = child_env({"ZSCRIPT_CLUSTER_RUN_DIR": str(tmp)})
        try:
            if receiver == "zscript":
                layout = _manager_layout(tmp)
                xpub, xsub = _ports_of(layout)
                script = tmp / "fanin.zs"
                script.write_text(MANAGER + f"\nredef Bench::n_total = {total};\n")
                rcv = procs.start(
                    [*zscript_cmd("manager"), "manager", str(script), "--layout", str(layout)],
                    tmp / "receiver.out",
                    tmp,
                    env,
                )
            else:
                xpub, xsub = free_ports(2)
                rcv = procs.start(
                    [*me, "--role", "receiver", receiver, str(xsub), str(xpub), str(total), link],
                    tmp / "receiver.out",
                    tmp,
                    env,
                )
            import subprocess

            snd = [
                procs.start(
                    [*me, "--role", "sender", str(xsub), str(n), str(i), ev_hex],
                    tmp / f"sender{i}.out",
                    tmp,
                    env,
                    stdin=subprocess.PIPE,
                )
                for i in range(senders)
            ]
            deadline = time.monotonic() + timeout
            ready = [(rcv, f"{receiver} receiver", "receiver")]
            ready += [(p, f"sender {i}", f"sender{i}") for i, p in enumerate(snd)]
            for p, what, name in ready:
                while "READY" not in (tmp / f"{name}.out").read_text():
                    if p.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError(f"{what} never ready:\n{tail(tmp / f'{name}.out')}")
                    time.sleep(0.02)
            cpu0 = cpu_seconds(rcv.pid) or 0.0
            for p in snd:
                p.stdin.write(b"go\n")
                p.stdin.flush()
            cpu = _cpu_until_result(rcv, tmp / "receiver.out", timeout, f"{receiver} receiver")
            cpu -= cpu0
            for p in snd:
                p.stdin.close()
            for i, p in enumerate(snd):
                wait_exit(p, timeout, f"sender {i}", tmp / f"sender{i}.out")
            starts = [
                float(x[0])
                for i in range(senders)
                for x in lines_with(tmp / f"sender{i}.out", "START")
            ]
            found = lines_with(tmp / "receiver.out", "RESULT")
            if not found:
                raise RuntimeError(f"{receiver} printed no result:\n{tail(tmp / 'receiver.out')}")
            count, _first, last = found[0]
            if int(count) != total:
                raise RuntimeError(f"{receiver}: received {count} of {total}")
            if receiver == "zscript":
                st = json.loads((tmp / "manager.status.json").read_text())
                drops = {k: st[k] for k in ("send_drops", "recv_drops", "malformed") if st.get(k)}
                if drops:
                    raise RuntimeError(f"zscript manager: {drops}")
            lat = [float(x[0]) for x in lines_with(tmp / "receiver.out", "LAT")]
        finally:
            procs.stop_all()
    rate = total / (float(last) - min(starts))
    return Point(rate, pctl(lat, 0.99) if lat else float("nan"), cpu / total)


def run_pool(proxies: int, n: int, timeout: float) -> float:
    """2 zscript workers x ``n`` events by HRW over ``proxies`` proxies: events/s."""
    from cluster_bench import start_nodes, zscript_cluster

    nodes = {"manager": "manager"}
    nodes |= {f"proxy-{i}": "proxy" for i in range(1, proxies + 1)}
    nodes |= {"worker-1": "worker", "worker-2": "worker"}
    procs = Procs()
    with tempfile.TemporaryDirectory(prefix="zscript-pool-bench-") as d:
        tmp = Path(d)
        layout = zscript_cluster(tmp, nodes)
        script = tmp / "pool.zs"
        script.write_text(
            POOL + f"\nredef Bench::n_events = {n};\nredef Bench::n_proxies = {proxies};\n"
        )
        try:
            start_nodes(procs, nodes, script, layout, tmp, child_env())
            deadline = time.monotonic() + timeout
            results = []
            for i in range(1, proxies + 1):
                out = tmp / f"proxy-{i}.out"
                while not (found := lines_with(out, "RESULT")):
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"proxy-{i} printed no result:\n{tail(out)}")
                    time.sleep(0.05)
                results.append(found[0])
            starts = [
                float(lines_with(tmp / f"{w}.out", "START")[0][0]) for w in ("worker-1", "worker-2")
            ]
        finally:
            procs.stop_all()
    total = sum(int(r[0]) for r in results)
    if total != 2 * n:
        raise RuntimeError(f"proxies received {total} of {2 * n}")
    return total / (max(float(r[2]) for r in results) - min(starts))


def _ports_of(layout: Path) -> tuple[int, int]:
    import tomllib

    c = tomllib.loads(layout.read_text())["cluster"]
    return c["xpub_port"], c["xsub_port"]


# --------------------------------------------------------------- driver


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes, one repetition (smoke test)")
    ap.add_argument("--events", type=int, help="events per sender (default 50000)")
    ap.add_argument(
        "--senders", type=int, action="append", help="points of the curve (default 1 2 4 8)"
    )
    ap.add_argument("--reps", type=int, help="repetitions of each point (median reported)")
    ap.add_argument(
        "--no-pool", dest="pool", action="store_false", help="skip the proxy-pool curve"
    )
    ap.add_argument(
        "--raw-tcp",
        dest="link",
        action="store_const",
        const="tcp",
        default="inproc",
        help="raw receivers connect to their proxy over TCP (before zscript used inproc)",
    )
    args = parse_or_run_role(ap, argv, ROLES)
    if args is None:
        return 0
    n = args.events or (2000 if args.quick else 50_000)
    points = args.senders or ([1, 2] if args.quick else [1, 2, 4, 8])
    reps = args.reps or (1 if args.quick else 3)
    ev_hex = payloads()["ev"].hex()
    print(
        f"zscript fan-in bench{' (quick)' if args.quick else ''}: Python"
        f" {platform.python_version()}, {os.cpu_count()} cores, {n} events per sender,"
        f" {reps} repetitions, medians; raw receivers connect over {args.link};"
        f" load average before: {load()}"
    )
    print(
        f"{'senders':>7}  {'zscript':>10}  {'raw multipart':>13}  {'raw frames':>10}  ratio"
        f"  {'p99 zscript':>11}  {'p99 raw':>8}  {'CPU/event':>9}  {'raw':>8}"
    )
    report = Report()
    failed = False
    sides = ["zscript", "multipart", "frames"]
    for w in points:
        got: dict[str, list[Point]] = {s: [] for s in sides}
        try:
            for i in range(reps):
                order = sides[i % 3 :] + sides[: i % 3]
                for side in order:
                    timeout = 60 + w * n / 5000
                    got[side].append(run_point(side, w, n, timeout, ev_hex, args.link))
        except Exception as exc:  # noqa: BLE001 - reported, exit status 1
            print(f"{w:>7}  ERROR: {type(exc).__name__}: {exc}")
            failed = True
            continue
        med = {s: statistics.median(p.rate for p in got[s]) for s in sides}
        p99 = {s: statistics.median(p.p99 for p in got[s]) for s in sides}
        cpu = {s: statistics.median(p.cpu for p in got[s]) for s in sides}
        best = max(("multipart", "frames"), key=lambda s: med[s])
        ratio = med["zscript"] / med[best]
        thrifty = min(("multipart", "frames"), key=lambda s: cpu[s])
        print(
            f"{w:>7}  {med['zscript']:>8,.0f}/s  {med['multipart']:>11,.0f}/s  {med['frames']:>8,.0f}/s"
            f"  {ratio:.2f}x  {p99['zscript'] * 1e3:>8.1f} ms  {p99[best] * 1e3:>5.1f} ms"
            f"  {cpu['zscript'] * 1e6:>5.1f} us  {cpu[thrifty] * 1e6:>5.1f} us"
            f"  {'ok' if ratio >= TARGET else 'UNDER'}"
        )
        report.add(
            f"fanin_{w}", med["zscript"], "events/s", ratio, baseline=med[best], target=TARGET
        )
        report.add(
            f"fanin_{w}_p99", p99["zscript"], "s", p99["zscript"] / p99[best], baseline=p99[best]
        )
        report.add(
            f"fanin_{w}_cpu",
            cpu["zscript"],
            "s/event",
            cpu[thrifty] / cpu["zscript"] if cpu["zscript"] else None,
            baseline=cpu[thrifty],
        )
    print(f"target: zscript >= {TARGET:.0%} of the faster raw receiver")
    if args.pool:
        failed |= pool_curve(report, [1, 2] if args.quick else [1, 2, 4], n, reps)
    print(f"load average after: {load()}")
    report.write(args.json)
    return 1 if failed else 0


def pool_curve(report: Report, points: list[int], n: int, reps: int) -> bool:
    """The proxy-pool curve; True when a point failed."""
    print(f"proxy pool: 2 workers x {n} events, Cluster::publish_hrw over the proxy pool")
    print(f"{'proxies':>7}  {'zscript':>10}  vs 1 proxy")
    one = None
    failed = False
    for p in points:
        try:
            rate = statistics.median(run_pool(p, n, 60 + n / 2000) for _ in range(reps))
        except Exception as exc:  # noqa: BLE001 - reported, exit status 1
            print(f"{p:>7}  ERROR: {type(exc).__name__}: {exc}")
            failed = True
            continue
        one = one or rate
        print(f"{p:>7}  {rate:>8,.0f}/s  {rate / one:.2f}x")
        report.add(f"pool_{p}", rate, "events/s", rate / one, baseline=one)
    return failed


if __name__ == "__main__":
    sys.exit(main())
