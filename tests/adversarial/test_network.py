"""Adversarial suite, network: malformed and oversized input against a running cluster.

One cluster (a manager serving WebSocket clients and metrics, and a worker;
``tests/websocket/cluster.zs``) takes, area by area, seeded random bad input
(``ZSCRIPT_FUZZ_SEED``, printed):

* **WebSocket**: handshakes that are garbage, oversized or lie, first
  messages that are not subscription lists (or subscribe to 150 KB topics),
  data messages that are not JSON, nest deeply, carry huge strings or topics,
  name the node's own events, or come as random bytes;
* **ZeroMQ**: raw peers of the central proxy sending messages with the wrong
  number of frames, random payloads in the cluster's format, unknown formats,
  events only a node raises, 200 KB subscriptions, and disconnecting at once;
* **HTTP** (``/metrics``): garbage request lines, oversized heads, methods,
  bodies, clients that stop half-way or hang up before the answer.

After every case a well-behaved WebSocket client (connected all along)
publishes ``Test::ping`` and must get its ``Test::pong`` back through the
cluster, the metrics endpoint must answer, and both nodes must be running.
At the end the numbers per area are printed: cases tried, survived (all of
the above held), lost (none may be).
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import socket
import struct
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import zmq
from clusterutil import LocalCluster, free_ports
from fuzzing import RANDOM_SEED
from websockets.sync.client import connect
from wsutil import http_status, raw_handshake

from zscript.cluster.serializers import get_serializer

SCRIPT = Path(__file__).resolve().parent.parent / "websocket" / "cluster.zs"
WAIT = 30.0
#: Cases per area.
N_WS = int(os.environ.get("ZSCRIPT_ADVERSARIAL_WS", "60"))
N_ZMQ = int(os.environ.get("ZSCRIPT_ADVERSARIAL_ZMQ", "60"))
N_HTTP = int(os.environ.get("ZSCRIPT_ADVERSARIAL_HTTP", "40"))
DT = "@data-type"


def _msg(topic, name, args):
    one = {DT: "count", "data": 1}
    event = [{DT: "string", "data": name}, {DT: "vector", "data": args}]
    return {
        "type": "data-message",
        "topic": topic,
        DT: "vector",
        "data": [one, one, {DT: "vector", "data": event}],
    }


class Target:
    """The running cluster and the well-behaved client that checks it after each case."""

    def __init__(self, cluster: LocalCluster, ws_port: int, stack: contextlib.ExitStack):
        self.cluster = cluster
        self.ws_port = ws_port
        self.url = f"ws://127.0.0.1:{ws_port}/v1/messages/json"
        self.metrics = cluster.metrics_ports["manager"]
        self.good = stack.enter_context(connect(self.url, open_timeout=WAIT, close_timeout=5))
        self.good.send(json.dumps(["zscript.test.ws.client.pong"]))
        assert json.loads(self.good.recv(timeout=WAIT))["type"] == "ack"
        self.n = 0

    def healthy(self) -> str | None:
        """None if everything works, else what does not."""
        for node in ("manager", "worker-1"):
            if not self.cluster.running(node):
                return f"{node} is not running:\n{self.cluster.output(node)[-3000:]}"
        self.n += 1
        ping = _msg(
            "zscript.test.ws.manager",
            "Test::ping",
            [{DT: "string", "data": "ok"}, {DT: "count", "data": self.n}],
        )
        try:
            self.good.send(json.dumps(ping))
            deadline = time.monotonic() + WAIT
            while True:
                reply = json.loads(self.good.recv(timeout=max(0.1, deadline - time.monotonic())))
                if (
                    reply.get("type") == "data-message"
                    and reply["data"][2]["data"][1]["data"][1]["data"] == self.n + 1
                ):
                    break
        except Exception as e:  # noqa: BLE001 - reported as the failure
            return f"the well-behaved client got no pong: {type(e).__name__}: {e}"
        try:
            with urllib.request.urlopen(
                f"http://127.0.0.1:{self.metrics}/metrics", timeout=WAIT
            ) as r:
                if r.status != 200:
                    return f"/metrics answered {r.status}"
        except Exception as e:  # noqa: BLE001
            return f"/metrics failed: {type(e).__name__}: {e}"
        return None


@pytest.fixture(scope="module")
def target(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("adversarial-network")
    (ws_port,) = free_ports(1)
    c = LocalCluster(tmp, {"manager": "manager", "worker-1": "worker"}, status=True)
    try:
        c.start_all([SCRIPT], env={"WS_PORT": str(ws_port)})
        c.wait_for("manager", "listen T", timeout=60)
        c.wait_for("manager", "node_up worker-1", timeout=60)
        with contextlib.ExitStack() as stack:
            yield Target(c, ws_port, stack)
    finally:
        c.stop_all()


def _run_area(name: str, target: Target, cases) -> None:
    """Run ``cases`` (``(label, fn)``), checking the cluster after each; print the numbers."""
    tried = survived = 0
    failures = []
    for label, fn in cases:
        tried += 1
        try:
            fn()
        except OSError:
            pass  # the node closing on us is a fine answer to bad input
        problem = target.healthy()
        if problem is None:
            survived += 1
        else:
            failures.append(f"{label}: {problem}")
            break
    print(
        f"{name}: seed {RANDOM_SEED}: tried {tried}, survived {survived}, lost {tried - survived}"
    )
    assert not failures, "\n".join(failures)


# ------------------------------------------------------------------ WebSocket


def _ws_cases(rng: random.Random, port: int):
    def handshake(extra: bytes, body: bytes = b""):
        def fn():
            with raw_handshake(port, extra) as s:
                if body:
                    s.sendall(body)
                s.settimeout(5)
                try:
                    s.recv(65536)
                except OSError:
                    pass

        return fn

    def frames(first, *more, binary: bool = False):
        def fn():
            with raw_handshake(port) as s:
                s.settimeout(10)
                if http_status(s) != 101:
                    return
                for m in (first, *more):
                    if isinstance(m, bytes) and binary:
                        _send_binary(s, m)
                    else:
                        send_text_frame_any(s, m)
                time.sleep(0.05)

        return fn

    def nest(depth: int):
        return "[" * depth + "]" * depth

    subscribed = '["zscript.test.ws.client.x"]'
    kinds = [
        lambda: ("garbage request", handshake(b"", b"\x00" * rng.randrange(1, 5000))),
        lambda: (
            "oversized header",
            handshake(b"X-Big: " + b"a" * rng.randrange(8000, 70000) + b"\r\n"),
        ),
        lambda: ("bad key", handshake(b"Sec-WebSocket-Key: !!!\r\n")),
        lambda: ("not json first", frames("{" * rng.randrange(1, 50))),
        lambda: ("deep first", frames(nest(rng.randrange(500, 5000)))),
        lambda: ("huge topic", frames(json.dumps(["A" * rng.randrange(5000, 200_000)]))),
        lambda: (
            "many topics",
            frames(json.dumps([f"t{i}" for i in range(rng.randrange(1001, 3000))])),
        ),
        lambda: ("random bytes", frames(os.urandom(rng.randrange(1, 4000)), binary=True)),
        lambda: ("not json data", frames(subscribed, "x" * rng.randrange(1, 50000))),
        lambda: ("deep data", frames(subscribed, nest(rng.randrange(500, 20000)))),
        lambda: (
            "huge string",
            frames(
                subscribed,
                json.dumps(
                    _msg(
                        "zscript.test.ws.manager",
                        "Test::ping",
                        [
                            {DT: "string", "data": "s" * rng.randrange(1000, 900_000)},
                            {DT: "count", "data": 1},
                        ],
                    )
                ),
            ),
        ),
        lambda: (
            "huge data topic",
            frames(
                subscribed, json.dumps(_msg("B" * rng.randrange(5000, 300_000), "Test::ping", []))
            ),
        ),
        lambda: (
            "own event",
            frames(
                subscribed,
                json.dumps(
                    _msg(
                        "zscript.test.ws.manager",
                        rng.choice(
                            [
                                "zeek_init",
                                "zeek_done",
                                "Cluster::node_up",
                                "Cluster::hello",
                                "net_done",
                            ]
                        ),
                        [],
                    )
                ),
            ),
        ),
        lambda: (
            "over max size",
            frames(subscribed, "[" + "1," * rng.randrange(600_000, 900_000) + "1]"),
        ),
        lambda: (
            "wrong types",
            frames(
                subscribed,
                json.dumps(
                    _msg(
                        "zscript.test.ws.manager",
                        "Test::ping",
                        [
                            {
                                DT: rng.choice(["count", "bogus", "table", "real"]),
                                "data": rng.choice([None, -1, "x", [], {}]),
                            }
                        ],
                    )
                ),
            ),
        ),
    ]
    for _ in range(N_WS):
        yield rng.choice(kinds)()


def send_text_frame_any(sock: socket.socket, text) -> None:
    """A masked text frame of any length (``text`` str or bytes)."""
    data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    _send_frame(sock, 0x81, data)


def _send_binary(sock: socket.socket, data: bytes) -> None:
    _send_frame(sock, 0x82, data)


def _send_frame(sock: socket.socket, first: int, data: bytes) -> None:
    mask = os.urandom(4)
    n = len(data)
    if n < 126:
        head = bytes([first, 0x80 | n])
    elif n < 65536:
        head = bytes([first, 0xFE]) + struct.pack("!H", n)
    else:
        head = bytes([first, 0xFF]) + struct.pack("!Q", n)
    sock.sendall(head + mask + _mask(data, mask))


def _mask(data: bytes, mask: bytes) -> bytes:
    if not data:
        return b""
    m = (mask * (len(data) // 4 + 1))[: len(data)]
    return (int.from_bytes(data, "big") ^ int.from_bytes(m, "big")).to_bytes(len(data), "big")


def test_websocket_input(target):
    rng = random.Random(RANDOM_SEED)
    _run_area("websocket", target, _ws_cases(rng, target.ws_port))


# ------------------------------------------------------------------ ZeroMQ


def _zmq_cases(rng: random.Random, cluster: LocalCluster):
    ser = get_serializer("broker-bin-v1")
    xsub_ep = f"tcp://127.0.0.1:{cluster.xsub_port}"  # where publishers connect
    xpub_ep = f"tcp://127.0.0.1:{cluster.xpub_port}"  # where subscribers connect
    topic = b"zscript.test.ws.manager"

    def publish(frames_fn):
        def fn():
            ctx = zmq.Context()
            pub = ctx.socket(zmq.XPUB)
            pub.setsockopt(zmq.LINGER, 1000)
            try:
                pub.connect(xsub_ep)
                deadline = time.monotonic() + WAIT
                while time.monotonic() < deadline:  # wait for the manager's subscription
                    if pub.poll(100) and pub.recv().startswith(b"\x01zscript.test.ws.manager"):
                        break
                for frames in frames_fn():
                    pub.send_multipart(frames)
            finally:
                pub.close()
                ctx.term()

        return fn

    def evil_subscriber(n: int):
        def fn():
            # Another process: a subscription that long crashes libzmq in the
            # process holding it (the attacker's own, here), never the proxy.
            code = (
                "import os, time, zmq\n"
                "s = zmq.Context().socket(zmq.XSUB)\n"
                f"s.connect({xpub_ep!r})\n"
                f"s.send(b'\\x01' + b'A' * {n}); time.sleep(0.5); os._exit(0)\n"
            )
            subprocess.run([sys.executable, "-c", code], timeout=60, capture_output=True)

        return fn

    def random_payload():
        return [[topic, b"raw", b"broker-bin-v1", os.urandom(rng.randrange(0, 3000))]]

    def wrong_frames():
        n = rng.choice([1, 2, 3, 5, 8])
        return [[topic] + [os.urandom(rng.randrange(0, 50)) for _ in range(n - 1)]]

    def other_format():
        return [[topic, b"raw", os.urandom(8), b"payload"]]

    def local_event():
        name = rng.choice(["zeek_init", "zeek_done", "Cluster::node_up", "net_done"])
        args = [] if name != "Cluster::node_up" else ["x", "y"]
        from zscript.types import STRING

        return [
            [topic, b"raw", b"broker-bin-v1", ser.serialize_event(name, args, [STRING] * len(args))]
        ]

    def huge_payload():
        return [[topic, b"raw", b"broker-bin-v1", os.urandom(rng.randrange(1 << 20, 4 << 20))]]

    def flood():
        return [[topic, b"raw", b"broker-bin-v1", os.urandom(20)] for _ in range(2000)]

    kinds = [
        lambda: ("random payload", publish(random_payload)),
        lambda: ("wrong frame count", publish(wrong_frames)),
        lambda: ("other format", publish(other_format)),
        lambda: ("local event", publish(local_event)),
        lambda: ("huge payload", publish(huge_payload)),
        lambda: ("flood of junk", publish(flood)),
        lambda: ("200 KB subscription", evil_subscriber(rng.randrange(150_000, 250_000))),
    ]
    for _ in range(N_ZMQ):
        yield rng.choice(kinds)()


def test_zeromq_input(target):
    rng = random.Random(RANDOM_SEED + 1)
    _run_area("zeromq", target, _zmq_cases(rng, target.cluster))
    st = target.cluster.status("manager") or {}
    print(
        "zeromq: manager counted malformed",
        st.get("malformed"),
        "format mismatches",
        st.get("format_mismatches"),
        "local events",
        st.get("local_events"),
    )


# ------------------------------------------------------------------ HTTP


def _http_cases(rng: random.Random, port: int):
    def send(data: bytes, *, read: bool = True, rst: bool = False):
        def fn():
            with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
                s.sendall(data)
                if rst:
                    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    return
                if not read:
                    s.shutdown(socket.SHUT_RDWR)
                    return
                # The end of our input, which the server sees as when we close
                # (end of file while it waits for a request), but now: it
                # answers what it read and closes, and our reading ends on
                # that instead of on our 10-s timeout (a request without its
                # blank line, or a keep-alive answer, used to wait it out).
                s.shutdown(socket.SHUT_WR)
                try:
                    while s.recv(65536):
                        pass
                except OSError:
                    pass

        return fn

    def idle(n: int):
        def fn():
            socks = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(n)]
            for s in socks[::2]:
                s.sendall(b"GET /metr")
            time.sleep(0.2)
            for s in socks:
                s.close()

        return fn

    kinds = [
        lambda: ("garbage", send(os.urandom(rng.randrange(1, 5000)))),
        lambda: (
            "huge head",
            send(
                b"GET /metrics HTTP/1.1\r\nX: "
                + b"a" * rng.randrange(20_000, 200_000)
                + b"\r\n\r\n"
            ),
        ),
        lambda: (
            "method",
            send(
                rng.choice([b"POST", b"DELETE", b"PUT", b"\xff\xfe"])
                + b" /metrics HTTP/1.1\r\n\r\n"
            ),
        ),
        lambda: (
            "body",
            send(b"GET /metrics HTTP/1.1\r\nContent-Length: 999999\r\n\r\n" + b"x" * 1000),
        ),
        lambda: ("hang up early", send(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", read=False)),
        lambda: ("reset", send(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", rst=True)),
        lambda: (
            "pipelined",
            send(
                b"GET /metrics HTTP/1.1\r\n\r\n" * rng.randrange(2, 50) + b"GET /x HTTP/1.0\r\n\r\n"
            ),
        ),
        lambda: ("http/0.9", send(b"GET /metrics\r\n\r\n")),
        lambda: ("idle crowd", idle(rng.randrange(50, 300))),
        lambda: ("non-ascii path", send(b"GET /m\xc3\xa9trics\x00 HTTP/1.1\r\n\r\n")),
    ]
    for _ in range(N_HTTP):
        yield rng.choice(kinds)()


def test_http_input(target):
    rng = random.Random(RANDOM_SEED + 2)
    _run_area("http", target, _http_cases(rng, target.metrics))
