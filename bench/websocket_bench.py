"""WebSocket ingest: events from clients to a zscript node, against a plain ``websockets`` server.

Usage::

    python bench/websocket_bench.py              # 50k events; 1 and 10 clients; 3 repetitions
    python bench/websocket_bench.py --quick      # 5k events, 1 repetition (smoke test)
    python bench/websocket_bench.py --json out.json

What is measured (events per second, higher is better)
-------------------------------------------------------
A client process opens ``C`` connections (1, then 10) to ``/v1/messages/json``,
sends each connection's subscription message (``[]``) and waits for its ack,
then every connection sends its share of ``N`` events as Zeek's v1 JSON data
messages (``Bench::ev(i: count)`` on topic ``/bench``), as fast as the
connection takes them: the frames are built before the clock starts and
written with ``sendall`` (one thread per connection), so the server is what
is measured, not the client.

* ``zscript``: ``zscript run standalone`` with
  ``policy/frameworks/cluster/websocket/server`` (the WebSocket API of a node:
  the server decodes each message, checks it and publishes the event through
  the ZeroMQ proxy the process runs), a script that subscribes to ``/bench``
  and whose ``Bench::ev`` handler counts; at ``N`` it prints the time.
* ``baseline``: a plain ``websockets`` asyncio server in its own process that
  acks the subscription and decodes every message with ``orjson.loads``,
  counting them; at ``N`` it prints the time.  No checks, no event, no
  handler: the cost of receiving and parsing the same bytes.

Rate = N / (end - start): start is the client process's clock when every
connection has its ack, end the server's clock at the ``N``-th event
(``time.time()`` on both sides; one machine).  Repetitions alternate the two
servers' order; medians are shown, and the ratio zscript / baseline (target
50%).  CPU/event is the server process's CPU time (all its threads: for
zscript also the proxy's and ZeroMQ's) from the start to the ``N``-th event,
over ``N``: less disturbed by other load on the machine than the rates.  Every process the bench starts is stopped when it ends.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import queue
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))
sys.path.insert(0, str(HERE))

from cluster_bench import cpu_seconds, load  # noqa: E402 - bench/ is on the path now
from report import Report, parse_or_run_role  # noqa: E402

TARGET = 0.5
TOPIC = "/bench"

SCRIPT = """\
@load policy/frameworks/cluster/websocket/server

redef Cluster::Backend::ZeroMQ::listen_xpub_endpoint = "tcp://127.0.0.1:{xpub}";
redef Cluster::Backend::ZeroMQ::connect_xsub_endpoint = "tcp://127.0.0.1:{xpub}";
redef Cluster::Backend::ZeroMQ::listen_xsub_endpoint = "tcp://127.0.0.1:{xsub}";
redef Cluster::Backend::ZeroMQ::connect_xpub_endpoint = "tcp://127.0.0.1:{xsub}";

module Bench;

export {{
	global ev: event(i: count);
}}

global seen = 0;

event zeek_init()
	{{
	Cluster::subscribe("{topic}");
	}}

event Bench::ev(i: count)
	{{
	++seen;
	if ( seen == {n} )
		{{
		print fmt("done %.6f", time_to_double(current_time()));
		terminate();
		}}
	}}
"""


def free_ports(n: int) -> list[int]:
    from clusterutil import free_ports as free  # tests/clusterutil.py

    return free(n)


def event_message(i: int) -> str:
    """``Bench::ev(i)`` on ``/bench`` as a v1 JSON data message."""
    dt = "@data-type"
    one = f'{{"{dt}":"count","data":1}}'
    event = (
        f'{{"{dt}":"vector","data":[{{"{dt}":"string","data":"Bench::ev"}},'
        f'{{"{dt}":"vector","data":[{{"{dt}":"count","data":{i}}}]}}]}}'
    )
    return (
        f'{{"type":"data-message","topic":"{TOPIC}","{dt}":"vector","data":[{one},{one},{event}]}}'
    )


# ----------------------------------------------------------------- processes


def _frame(text: str) -> bytes:
    """One masked text frame, as a client sends it."""
    data = text.encode()
    n = len(data)
    if n < 126:
        head = bytes([0x81, 0x80 | n])
    elif n < 65536:
        head = bytes([0x81, 0xFE]) + n.to_bytes(2, "big")
    else:
        head = bytes([0x81, 0xFF]) + n.to_bytes(8, "big")
    mask = os.urandom(4)
    key = int.from_bytes((mask * (n // 4 + 1))[:n], "big")
    return head + mask + (int.from_bytes(data, "big") ^ key).to_bytes(n, "big")


def _read_frame(sock, buf: bytearray) -> bytes:
    """The payload of the next (unmasked, unfragmented) frame from the server."""
    while True:
        if len(buf) >= 2:
            n, at = buf[1] & 0x7F, 2
            if n == 126 and len(buf) >= 4:
                n, at = int.from_bytes(buf[2:4], "big"), 4
            elif n == 127 and len(buf) >= 10:
                n, at = int.from_bytes(buf[2:10], "big"), 10
            if (n < 126 or at > 2) and len(buf) >= at + n:
                payload = bytes(buf[at : at + n])
                del buf[: at + n]
                return payload
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("the server closed the connection")
        buf += chunk


def _connect(socket, port: int, patience: float = 60.0):
    """A connection to the server, retried while it is not listening yet: the
    node says it runs the WebSocket server just before it listens (as Zeek's
    script does), and the first listen loads the WebSocket library."""
    deadline = time.monotonic() + patience
    while True:
        try:
            return socket.create_connection(("127.0.0.1", port), timeout=60)
        except ConnectionRefusedError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def role_clients(port: str, conns: str, n: str) -> None:
    """Open the connections, wait for every ack, print the start time, send.

    A hand-written client: the upgrade request, then every connection's
    events as masked frames built beforehand and written with ``sendall``
    from one thread per connection, so that the server, not the client,
    is what is measured."""
    import socket

    c, total = int(conns), int(n)
    socks = []
    for _ in range(c):
        sock = _connect(socket, int(port))
        sock.sendall(
            b"GET /v1/messages/json HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
            b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            b"Sec-WebSocket-Version: 13\r\n\r\n"
        )
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = sock.recv(4096)
            if not chunk:
                raise ConnectionError("no upgrade response")
            head += chunk
        if not head.startswith(b"HTTP/1.1 101"):
            raise ConnectionError(head.decode(errors="replace"))
        buf = bytearray(head.split(b"\r\n\r\n", 1)[1])
        sock.sendall(_frame("[]"))
        if b'"ack"' not in _read_frame(sock, buf):
            raise ConnectionError("no ack")
        socks.append(sock)
    data = [b"".join(_frame(event_message(i)) for i in range(k, total, c)) for k in range(c)]
    print(f"start {time.time()!r}", flush=True)
    senders = [
        threading.Thread(target=sock.sendall, args=(d,))
        for sock, d in zip(socks, data, strict=True)
    ]
    for t in senders:
        t.start()
    for t in senders:
        t.join()
    time.sleep(3600)  # stay connected until the bench stops us


def role_baseline(port: str, n: str) -> None:
    """A plain ``websockets`` server: ack the subscription, decode and count."""
    import orjson
    from websockets.asyncio.server import serve

    total = int(n)
    seen = 0
    finished = asyncio.Event()

    async def handler(ws) -> None:
        nonlocal seen
        await ws.recv()
        await ws.send('{"type":"ack","endpoint":"baseline","version":"bench"}')
        loads = orjson.loads
        async for msg in ws:
            loads(msg)
            seen += 1
            if seen == total:
                print(f"done {time.time()!r}", flush=True)
                finished.set()

    async def main() -> None:
        async with serve(handler, "127.0.0.1", int(port), max_queue=None):
            print("ready", flush=True)
            await finished.wait()

    asyncio.run(main())


ROLES = {"clients": role_clients, "baseline": role_baseline}


class Procs:
    """The processes of one measurement; all are stopped by :meth:`stop`."""

    def __init__(self):
        self.procs: list[subprocess.Popen] = []

    def start(self, cmd: list[str], cwd: Path, env: dict | None = None) -> subprocess.Popen:
        # One stream: a node says it listens on stderr (Reporter::info).
        p = subprocess.Popen(
            cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        self.procs.append(p)
        p.lines = queue.Queue()

        def read() -> None:
            for line in p.stdout:
                p.lines.put(line)
            p.lines.put(None)

        threading.Thread(target=read, daemon=True).start()
        return p

    def stop(self) -> None:
        for p in self.procs:
            if p.poll() is None:
                p.kill()
        for p in self.procs:
            p.wait()


def _line(p: subprocess.Popen, tag: str, timeout: float) -> str:
    """The first line of ``p``'s output containing ``tag`` (within ``timeout``)."""
    lines = p.lines  # filled by the reader thread Procs.start made
    deadline = time.monotonic() + timeout
    seen = []
    while True:
        try:
            line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            line = None
        if line is None:
            raise RuntimeError(
                f"no {tag!r} line from {p.args[1:4]} (exit {p.poll()}): {''.join(seen)[-2000:]}"
            )
        seen.append(line)
        if tag in line:
            return line.strip()


def _ingest(
    server_cmd: list[str],
    env: dict | None,
    ready: str,
    port: int,
    conns: int,
    n: int,
    tmp: Path,
    timeout: float,
) -> float:
    """Start the server, wait for its ``ready`` line, run the clients: the rate."""
    procs = Procs()
    try:
        server = procs.start(server_cmd, tmp, env)
        _line(server, ready, timeout)
        cpu = _CpuSampler(server.pid)
        clients = procs.start(
            [sys.executable, __file__, "--role", "clients", str(port), str(conns), str(n)], tmp
        )
        start = float(_line(clients, "start ", timeout).split()[1])
        cpu0 = cpu.last
        end = float(_line(server, "done ", timeout).split()[1])
        used = cpu.stop() - cpu0
    finally:
        procs.stop()
    return Run(n / (end - start), used / n)


@dataclass
class Run:
    rate: float
    #: The server process's CPU time per event (all its threads), seconds.
    cpu: float


class _CpuSampler:
    """The CPU time of process ``pid``, sampled every 10 ms in a thread
    (a node exits right after its last event, taking its figure with it)."""

    def __init__(self, pid: int):
        self.pid = pid
        self.last = cpu_seconds(pid) or 0.0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._done.wait(0.01):
            self.last = cpu_seconds(self.pid) or self.last

    def stop(self) -> float:
        self._done.set()
        self._thread.join()
        return self.last


def measure_zscript(conns: int, n: int, timeout: float) -> Run:
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        ws_port, xpub, xsub = free_ports(3)
        script = tmp / "bench.zs"
        script.write_text(SCRIPT.format(xpub=xpub, xsub=xsub, topic=TOPIC, n=n))
        env = dict(
            os.environ,
            ZEEK_WEBSOCKET_LISTEN_ADDRESS="[127.0.0.1]",
            ZEEK_WEBSOCKET_LISTEN_PORT=str(ws_port),
            PYTHONUNBUFFERED="1",
        )
        env.pop("ZSCRIPT_WEBSOCKET_AUTH_TOKEN", None)
        node = [sys.executable, "-m", "zscript", "run", "standalone", str(script)]
        ready = "Running standalone WebSocket server"
        return _ingest(node, env, ready, ws_port, conns, n, tmp, timeout)


def measure_baseline(conns: int, n: int, timeout: float) -> Run:
    with tempfile.TemporaryDirectory() as d:
        (port,) = free_ports(1)
        server = [sys.executable, __file__, "--role", "baseline", str(port), str(n)]
        return _ingest(server, None, "ready", port, conns, n, Path(d), timeout)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="5k events, one repetition")
    ap.add_argument("-n", type=int, help="events per measurement")
    ap.add_argument("--reps", type=int, help="repetitions (medians reported)")
    args = parse_or_run_role(ap, argv, ROLES)
    if args is None:
        return 0
    n = args.n or (5000 if args.quick else 50_000)
    reps = args.reps or (1 if args.quick else 3)
    timeout = 60 + n / 1000
    report = Report()
    print(
        f"WebSocket ingest: {n} events per run, {reps} repetitions, medians;"
        f" load average before: {load()}"
    )
    print(
        f"{'clients':<9}{'zscript/s':>12}{'baseline/s':>12}{'ratio':>8}  target     "
        f"{'CPU/event':>10}{'baseline':>10}"
    )
    for conns in (1, 10):
        zs, base = [], []
        for rep in range(reps):
            sides = [(base, measure_baseline), (zs, measure_zscript)]
            for out, fn in sides[:: -1 if rep % 2 else 1]:
                out.append(fn(conns, n, timeout))
        z, b = statistics.median(r.rate for r in zs), statistics.median(r.rate for r in base)
        zc, bc = statistics.median(r.cpu for r in zs), statistics.median(r.cpu for r in base)
        ok = "ok" if z / b >= TARGET else "BELOW"
        print(
            f"{conns:<9}{z:>12,.0f}{b:>12,.0f}{z / b:>7.0%}  >= {TARGET:.0%} {ok:<5}"
            f"{zc * 1e6:>7.1f} us{bc * 1e6:>7.1f} us"
        )
        report.add(f"ingest_{conns}_clients", z, "events/s", z / b, baseline=b, target=TARGET)
        report.add(
            f"ingest_{conns}_clients_cpu", zc, "s/event", bc / zc if zc else None, baseline=bc
        )
    print(f"load average after: {load()}")
    report.write(args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
