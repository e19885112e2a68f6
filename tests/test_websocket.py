"""The WebSocket API (``Cluster::listen_websocket``) against real clients.

Every test runs a real cluster (``LocalCluster``: a manager, usually with a
worker) whose manager serves WebSocket clients on a port chosen free at run
time (``tests/websocket/cluster.zs``), and talks to it with the
``websockets`` library directly (exact messages, errors, close codes), with
the unmodified ``zeekpy`` client from PyPI (in a subprocess with
``TZ=UTC``), over TLS with a certificate made by the test, and with clients
that misbehave: bad input of every kind, thousands of malformed messages,
a client that never reads.  Every process and connection a test opens is
closed by it; waits are generous polls, never timing assertions.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import re
import socket
import ssl
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest
from clusterutil import free_ports
from websockets.exceptions import ConnectionClosed, InvalidMessage, InvalidStatus
from websockets.sync.client import connect
from wsutil import http_status, raw_handshake, run_zeekpy, self_signed_cert, send_text_frame

from zscript.cluster.scriptgen import string_literal
from zscript.cluster.websocket import (
    WebSocketSettings,
    layout_websocket_settings,
    websocket_config_script,
)

HERE = Path(__file__).parent / "websocket"
SCRIPT = HERE / "cluster.zs"
WAIT = 20.0
DT = "@data-type"


def _one():
    return {DT: "count", "data": 1}


def data_message(topic, name, args, **extra) -> dict:
    """A v1 data message as a client writes it."""
    msg = {
        "type": "data-message",
        "topic": topic,
        DT: "vector",
        "data": [
            _one(),
            _one(),
            {DT: "vector", "data": [{DT: "string", "data": name}, {DT: "vector", "data": args}]},
        ],
    }
    msg.update(extra)
    return msg


def s(v):
    return {DT: "string", "data": v}


def c(v):
    return {DT: "count", "data": v}


class Server:
    """A running cluster whose manager serves WebSocket clients."""

    def __init__(self, cluster, port: int, scheme: str = "ws"):
        self.cluster = cluster
        self.port = port
        self.url = f"{scheme}://127.0.0.1:{port}/v1/messages/json"
        self.base = f"{scheme}://127.0.0.1:{port}"

    def connect(self, url: str | None = None, **kw):
        kw.setdefault("open_timeout", WAIT)
        kw.setdefault("close_timeout", 5)
        return connect(url or self.url, **kw)

    def subscribe(self, ws, topics: list[str]) -> dict:
        ws.send(json.dumps(topics))
        return json.loads(ws.recv(timeout=WAIT))

    def output(self, node: str = "manager") -> str:
        return self.cluster.output(node)

    def wait_for(self, pattern: str, node: str = "manager", **kw) -> str:
        return self.cluster.wait_for(node, pattern, **kw)


@pytest.fixture
def ws_cluster(local_cluster):
    """``ws_cluster(worker=True, **env)``: start the cluster, wait until it serves."""

    def start(worker: bool = True, scheme: str = "ws", **env) -> Server:
        (port,) = free_ports(1)
        nodes = {"manager": "manager"}
        if worker:
            nodes["worker-1"] = "worker"
        cl = local_cluster(nodes, status=True)
        cl.start_all([SCRIPT], env={"WS_PORT": str(port), **env})
        cl.wait_for("manager", "listen T")
        if worker:
            cl.wait_for("manager", "node_up worker-1")
            cl.wait_for("worker-1", "node_up manager")
        return Server(cl, port, scheme)

    return start


def recv_json(ws) -> dict:
    return json.loads(ws.recv(timeout=WAIT))


def assert_error(ws, context: str, code: str = "deserialization_failed") -> None:
    assert recv_json(ws) == {"type": "error", "code": code, "context": context}


def closed_with(ws) -> tuple[int | None, str | None]:
    """Wait for the server to close ``ws``; its close code and reason."""
    with pytest.raises(ConnectionClosed) as info:
        while True:
            ws.recv(timeout=WAIT)
    rcvd = info.value.rcvd
    return (rcvd.code, rcvd.reason) if rcvd is not None else (None, None)


def wait_log(srv: Server, pattern: str, timeout: float = WAIT) -> str:
    """Wait until the manager's cluster.log matches ``pattern`` (a regex); return the log."""
    path = srv.cluster.dir / "cluster.log"
    deadline = time.monotonic() + timeout
    while True:
        text = path.read_text() if path.exists() else ""
        if re.search(pattern, text):
            return text
        if time.monotonic() > deadline:
            raise AssertionError(f"cluster.log: {pattern!r} not within {timeout}s:\n{text}")
        time.sleep(0.1)


def wait_stats(srv: Server, cond=lambda st: True) -> dict:
    """The manager's WebSocket counters (its status file) once ``cond(counters)`` holds."""
    st = srv.cluster.wait_status("manager", lambda st: "websocket" in st and cond(st["websocket"]))
    return st["websocket"]


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


# ------------------------------------------------------------ the protocol


def test_ack_data_messages_and_pubsub(ws_cluster):
    srv = ws_cluster()
    with srv.connect() as a, srv.connect(additional_headers={"X-Application-Name": "app-1"}) as b:
        ack = srv.subscribe(a, ["zscript.test.ws.client.", "zscript.test.ws.client.", "/x"])
        assert list(ack) == ["type", "endpoint", "version"]
        assert ack["type"] == "ack" and ack["version"] == "8.1.0"
        assert re.fullmatch(r"zeromq_manager_.+-websocket-\d+", ack["endpoint"]), ack
        ack_b = srv.subscribe(b, ["zscript.test.ws.client.pong"])
        assert ack_b["endpoint"] != ack["endpoint"]
        # The added event: sorted, without duplicates, with the application name.
        srv.wait_for(f"added {ack['endpoint']} - [/x, zscript.test.ws.client.]")
        srv.wait_for(f"added {ack_b['endpoint']} app-1 [zscript.test.ws.client.pong]")

        # Client -> manager (subscribed through the proxy) -> both clients' topics.
        a.send(json.dumps(data_message("zscript.test.ws.manager", "Test::ping", [s("hi"), c(41)])))
        srv.wait_for("manager got ping hi 41")
        want = data_message("zscript.test.ws.client.pong", "Test::pong", [s("hi"), c(42)])
        for ws in (a, b):
            raw = ws.recv(timeout=WAIT)
            assert json.loads(raw) == want
            assert list(json.loads(raw)) == ["type", "topic", DT, "data"]

        # A client's publish reaches the other client, never itself.
        b.send(json.dumps(data_message("zscript.test.ws.client.x", "Test::pong", [s("b"), c(1)])))
        got = recv_json(a)
        assert got["topic"] == "zscript.test.ws.client.x"
        assert got["data"][2]["data"][1]["data"] == [s("b"), c(1)]
        with pytest.raises(TimeoutError):
            b.recv(timeout=1.0)
    srv.wait_for(f"lost {ack['endpoint']} 1000 ''")
    srv.wait_for(f"lost {ack_b['endpoint']} 1000 ''")
    ida, idb = re.escape(ack["endpoint"]), re.escape(ack_b["endpoint"])
    log = wait_log(
        srv,
        rf"WebSocket client '{idb}' \(127\.0\.0\.1:\d+\) application_name=app-1 gone with code 1000\n",
    )
    assert re.search(
        rf"\tWebSocket client '{ida}' \(127\.0\.0\.1:\d+\) subscribed to \[/x, zscript\.test\.ws\.client\.\]\n",
        log,
    )
    assert re.search(
        rf"\tWebSocket client '{idb}' \(127\.0\.0\.1:\d+\) application_name=app-1 subscribed to \[zscript\.test\.ws\.client\.pong\]\n",
        log,
    )
    assert re.search(rf"\tWebSocket client '{ida}' \(127\.0\.0\.1:\d+\) gone with code 1000\n", log)


def test_event_metrics_by_application(ws_cluster):
    # Cluster::Telemetry::websocket_metrics (INFO, VERBOSE, DEBUG): per client
    # app label; outgoing = what the client publishes, incoming = what it gets.
    srv = ws_cluster(worker=False)
    with srv.connect(additional_headers={"X-Application-Name": "metrics-app"}) as ws:
        srv.subscribe(ws, ["zscript.test.ws.client.pong"])
        for n in (1, 2):
            ws.send(
                json.dumps(data_message("zscript.test.ws.manager", "Test::ping", [s("m"), c(n)]))
            )
            assert recv_json(ws)["topic"] == "zscript.test.ws.client.pong"
        ws.send(json.dumps(data_message("zscript.test.ws.manager", "Test::metrics", [])))
        out = srv.wait_for("metrics done")
    lines = [ln for ln in out.splitlines() if ln.startswith(("metric, ", "histogram, "))]
    app = "[metrics-app, manager]"
    assert f"metric, zeek_cluster_websocket_outgoing_events_total, [app, node], {app}, 3.0" in lines
    assert f"metric, zeek_cluster_websocket_incoming_events_total, [app, node], {app}, 2.0" in lines
    assert (
        "metric, zeek_cluster_websocket_verbose_outgoing_events_total, [app, handler, node, topic], "
        "[metrics-app, Test::ping, manager, zscript.test.ws.manager], 2.0"
    ) in lines
    assert (
        "metric, zeek_cluster_websocket_verbose_incoming_events_total, [app, handler, node, topic], "
        "[metrics-app, Test::pong, manager, zscript.test.ws.client.pong], 2.0"
    ) in lines
    # Sizes: the events' broker-bin-v1 payloads (tens of bytes: bucket 10-50),
    # with no script location for what a client publishes.
    hist = [ln for ln in lines if ln.startswith("histogram, ")]
    out_ping = [ln for ln in hist if "outgoing" in ln and "Test::ping" in ln]
    assert len(out_ping) == 1, hist
    assert "[app, handler, node, script_location, topic]" in out_ping[0]
    assert "[metrics-app, Test::ping, manager, none, zscript.test.ws.manager]" in out_ping[0]
    assert ", [0.0, 2.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], " in out_ping[0]
    in_pong = [ln for ln in hist if "incoming" in ln and "Test::pong" in ln]
    assert len(in_pong) == 1 and "script_location" not in in_pong[0], hist
    assert ", [0.0, 2.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], " in in_pong[0]


def test_outgoing_data_model_is_zeeks(ws_cluster):
    srv = ws_cluster()
    with srv.connect() as ws:
        srv.subscribe(ws, ["zscript.test.ws.client.types"])
        ws.send(json.dumps(data_message("zscript.test.ws.worker", "Test::send_types", [])))
        raw = ws.recv(timeout=WAIT)
        # Exactly Zeek's text: reals as %f, times in ms without zone, coarsest
        # exact interval unit, records as vectors with none for unset fields.
        args = (
            '{"@data-type":"boolean","data":true},{"@data-type":"count","data":42},'
            '{"@data-type":"integer","data":-7},{"@data-type":"real","data":1.500000},'
            '{"@data-type":"string","data":"hi"},{"@data-type":"address","data":"192.0.2.7"},'
            '{"@data-type":"subnet","data":"10.0.0.0/8"},{"@data-type":"port","data":"443/tcp"},'
            '{"@data-type":"timestamp","data":"2023-11-14T22:13:20.500"},'
            '{"@data-type":"timespan","data":"1500ms"},'
            '{"@data-type":"enum-value","data":"Test::GREEN"},'
            '{"@data-type":"set","data":[{"@data-type":"string","data":"a"}]},'
            '{"@data-type":"table","data":[{"key":{"@data-type":"string","data":"x"},'
            '"value":{"@data-type":"count","data":1}}]},'
            '{"@data-type":"vector","data":[{"@data-type":"integer","data":1},'
            '{"@data-type":"integer","data":2}]},'
            '{"@data-type":"vector","data":[{"@data-type":"count","data":3},'
            '{"@data-type":"none","data":{}}]}'
        )
        want = (
            '{"type":"data-message","topic":"zscript.test.ws.client.types",'
            '"@data-type":"vector","data":[{"@data-type":"count","data":1},'
            '{"@data-type":"count","data":1},{"@data-type":"vector","data":['
            '{"@data-type":"string","data":"Test::all_types"},'
            '{"@data-type":"vector","data":[' + args + "]}]}]}"
        )
        assert raw == want
        # The event the manager does not declare was not forwarded (it came first).
        srv.wait_for("Failed to lookup handler for 'Test::worker_only'")

        # The same message back from the client reaches the worker with every value.
        msg = json.loads(raw)
        msg["topic"] = "zscript.test.ws.worker"
        ws.send(json.dumps(msg))
        srv.wait_for(
            "worker-1 got all_types T 42 -7 1.5 hi 192.0.2.7 10.0.0.0/8 443/tcp "
            "1700000000.500 1.0 sec 500.0 msecs Test::GREEN {\\x0aa\\x0a} {\\x0a\\x09[x] = 1\\x0a} "
            "[1, 2] [n=3, note=<uninitialized>]",
            node="worker-1",
        )


def enc(dt, v):
    return {DT: dt, "data": v}


def test_other_types_and_edge_values_both_directions(ws_cluster):
    srv = ws_cluster()
    with srv.connect() as ws:
        srv.subscribe(ws, ["zscript.test.ws.client.types"])
        ws.send(json.dumps(data_message("zscript.test.ws.worker", "Test::send_edge_types", [])))
        raw = ws.recv(timeout=WAIT)
        # Patterns as [exact, anywhere] texts, functions as [name], composite
        # keys as vectors, records as vectors with none, extreme numbers, the
        # unknown port, negative and zero intervals, the epoch.
        none = enc("none", {})
        want = [
            enc("vector", [s("(?i:^?(a+b)$?)"), s("(?i:^?(.|\\n)*(a+b))")]),
            enc("vector", [s("Test::shout")]),
            enc("table", [{"key": enc("vector", [s("a"), c(1)]), "value": enc("boolean", True)}]),
            enc("vector", [enc("vector", [c(1), none]), enc("vector", [c(2), s("two")])]),
            enc("set", [enc("vector", [enc("address", "192.0.2.1"), enc("port", "53/udp")])]),
            enc("table", [{"key": c(7), "value": enc("set", [s("x")])}]),
            enc("address", "2001:db8::1"),
            enc("subnet", "2001:db8::/32"),
            enc("port", "0/?"),
            c(18446744073709551615),
            enc("integer", -9223372036854775807),
            enc("timespan", "0s"),
            enc("timespan", "-90s"),
            enc("timestamp", "1970-01-01T00:00:00.000"),
            s('caf\u00e9 \ufffd "q" \\ \x01\n'),
            enc("vector", []),
            enc("real", 0.0),
        ]
        assert json.loads(raw)["data"][2]["data"][1]["data"] == want
        # The text: reals as %f; non-ASCII as raw UTF-8; always valid JSON in
        # a text frame: control characters escaped (Broker writes \\v and raw
        # control bytes, which strict parsers such as zeekpy's json reject),
        # bytes that are not UTF-8 as U+FFFD (Zeek closes such a client).
        assert raw.endswith('{"@data-type":"real","data":0.000000}]}]}]}')
        assert '"data":"caf\u00e9 \ufffd \\"q\\" \\\\ \\u0001\\n"' in raw

        # Back to the worker: the same values.
        msg = json.loads(raw)
        msg["topic"] = "zscript.test.ws.worker"
        ws.send(json.dumps(msg))
        srv.wait_for(
            "worker-1 got edge_types /^?(a+b)$?/ HI {\\x0a\\x09[a, 1] = T\\x0a} "
            "[[n=1, note=<uninitialized>], [n=2, note=two]] "
            "{\\x0a\\x09[192.0.2.1, 53/udp]\\x0a} {\\x0a\\x09[7] = {\\x0a\\x09x\\x0a\\x09}\\x0a} "
            "2001:db8::1 2001:db8::/32 0/unknown 18446744073709551615 -9223372036854775807 "
            '0 secs -1.0 min -30.0 secs 0.000 caf\\xc3\\xa9 \\xef\\xbf\\xbd "q" \\ \\x01\\x0a 0 0.0 T',
            node="worker-1",
        )

        # A function must name a global function (Test::RED is an enum value).
        args = msg["data"][2]["data"][1]["data"]
        args[1] = enc("vector", [s("Test::RED")])
        ws.send(json.dumps(msg))
        assert_error(ws, "failed to create Zeek event")
        args[1] = enc("vector", [s("Test::no_such_function")])
        ws.send(json.dumps(msg))
        assert_error(ws, "failed to create Zeek event")

        # Forms real clients send besides Zeek's own: integers for a count, an
        # int and a real (zeekpy sends every Python int as integer), a port
        # without protocol (tcp), an IPv4-mapped address, a time with a zone,
        # an interval in minutes.
        lenient = [
            enc("boolean", True),
            enc("integer", 43),
            enc("integer", -7),
            enc("integer", 2),
            s("hi"),
            enc("address", "::ffff:192.0.2.7"),
            enc("subnet", "10.0.0.0/8"),
            enc("port", "443"),
            enc("timestamp", "2023-11-14T23:13:20.5+01:00"),
            enc("timespan", "0.025min"),
            enc("enum-value", "Test::GREEN"),
            enc("set", [s("a")]),
            enc("table", [{"key": s("x"), "value": enc("integer", 1)}]),
            enc("vector", [enc("count", 1), enc("integer", 2)]),
            enc("vector", [c(3), none]),
        ]
        ws.send(json.dumps(data_message("zscript.test.ws.worker", "Test::all_types", lenient)))
        srv.wait_for(
            "worker-1 got all_types T 43 -7 2.0 hi 192.0.2.7 10.0.0.0/8 443/tcp "
            "1700000000.500 1.0 sec 500.0 msecs Test::GREEN",
            node="worker-1",
        )


def test_zeekpy_client(ws_cluster):
    srv = ws_cluster()
    try:
        got = run_zeekpy(srv.url)
    except AssertionError as err:
        raise AssertionError(f"{err}\n{srv.output()}\n{srv.output('worker-1')}") from None
    # zeekpy's encodings (float-ns interval, microsecond time with +00:00) arrive intact.
    out = srv.wait_for("worker-1 got hello", node="worker-1")
    assert (
        "worker-1 got hello from zeekpy 41 -3 2.25 1735787045.678123 1.0 sec 500.0 msecs "
        "192.0.2.9 10.1.0.0/16 8080/udp Test::RED {\\x0ab\\x0a} {\\x0a\\x09[k] = 7\\x0a} "
        "[1, 2, 3] [n=5, note=note]"
    ) in out
    # And the worker's answer, in Zeek's forms, decodes in zeekpy.
    assert got["msg"] == "from zeekpy" and got["n"] == 42
    assert got["t"] == "2025-01-02T03:04:05.678000+00:00"
    assert got["iv"] == 1.5 and got["d"] == 2.25
    assert got["version"] == "8.1.0" and got["endpoint"].endswith("-websocket-0")
    srv.wait_for(f"added {got['endpoint']} zeekpy-test [zscript.test.ws.client.zeekpy]")
    srv.wait_for(f"lost {got['endpoint']} 1000 ''")


# ------------------------------------------------------------ listening


STANDALONE = """\
@load policy/frameworks/cluster/websocket/server

redef Cluster::Backend::ZeroMQ::listen_xpub_endpoint = "tcp://127.0.0.1:{xpub}";
redef Cluster::Backend::ZeroMQ::connect_xsub_endpoint = "tcp://127.0.0.1:{xpub}";
redef Cluster::Backend::ZeroMQ::listen_xsub_endpoint = "tcp://127.0.0.1:{xsub}";
redef Cluster::Backend::ZeroMQ::connect_xpub_endpoint = "tcp://127.0.0.1:{xsub}";

global ping: event(msg: string, n: count);
global pong: event(msg: string, n: count);

event zeek_init()
\t{{
\tCluster::subscribe("zscript.test.ws.standalone");
\t}}

event ping(msg: string, n: count)
\t{{
\tprint fmt("got ping %s %d", msg, n);
\tCluster::publish("zscript.test.ws.standalone.pong", pong, msg, n + 1);
\t}}
"""


def test_standalone_server_script_refuses_a_layout_without_backend(tmp_path):
    """With a cluster layout but no backend the server script stops before
    ``zeek_init`` finishes, reporting at its own check (Zeek's words)."""
    from zscript.resources import stdlib_dir

    (tmp_path / "cluster-layout.zeek").write_text(
        'redef Cluster::nodes += { ["worker-1"] = [$ip=127.0.0.1, $node_type=Cluster::WORKER] };\n'
    )
    (tmp_path / "s.zeek").write_text("@load frameworks/cluster/websocket/server\n")
    server = Path(stdlib_dir()) / "policy/frameworks/cluster/websocket/server.zeek"
    (line,) = [
        i for i, text in enumerate(server.read_text().splitlines(), 1) if "Reporter::error" in text
    ]
    env = dict(os.environ, CLUSTER_NODE="worker-1", ZEEKPATH=str(tmp_path))
    proc = subprocess.run(
        [sys.executable, "-m", "zscript", "run", "--bare", "--error-format", "zeek", "s.zeek"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
    )
    assert proc.returncode == 1
    assert proc.stderr == (
        f"error in {server.resolve()}, line {line}: Cluster::nodes has entries but"
        " Cluster::backend was Cluster::CLUSTER_BACKEND_NONE\n"
    )


def test_standalone_server_script(tmp_path):
    """``policy/frameworks/cluster/websocket/server`` outside a cluster: it
    selects ZeroMQ, runs the proxy itself and listens where the environment
    says; two clients talk through it and the process."""
    import signal
    import subprocess
    import sys

    ws_port, xpub, xsub = free_ports(3)
    script = tmp_path / "standalone.zs"
    script.write_text(STANDALONE.format(xpub=xpub, xsub=xsub))
    env = dict(
        os.environ,
        ZEEK_WEBSOCKET_LISTEN_ADDRESS="[127.0.0.1]",
        ZEEK_WEBSOCKET_LISTEN_PORT=str(ws_port),
        ZSCRIPT_WEBSOCKET_AUTH_TOKEN="tok",
        PYTHONUNBUFFERED="1",
    )
    out = tmp_path / "out"
    with open(out, "wb") as f:
        proc = subprocess.Popen(
            [sys.executable, "-m", "zscript", "run", "standalone", str(script)],
            stdout=f,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=tmp_path,
        )
    try:
        url = f"ws://127.0.0.1:{ws_port}/v1/messages/json"
        auth = {"Authorization": "Bearer tok"}
        deadline = time.monotonic() + WAIT
        while True:
            try:
                a = connect(url, open_timeout=WAIT, additional_headers=auth)
                break
            except OSError:
                assert time.monotonic() < deadline, out.read_text()
                assert proc.poll() is None, out.read_text()
                time.sleep(0.1)
        with a, connect(url, open_timeout=WAIT, additional_headers=auth) as b:
            a.send('["zscript.test.ws.standalone.pong"]')
            assert recv_json(a)["type"] == "ack"
            b.send("[]")
            assert recv_json(b)["endpoint"].endswith("-websocket-1")
            ping = data_message("zscript.test.ws.standalone", "ping", [s("solo"), c(1)])
            b.send(json.dumps(ping))
            assert recv_json(a)["data"][2]["data"][1]["data"] == [s("solo"), c(2)]
        text = out.read_text()
        assert f"Running standalone WebSocket server on 127.0.0.1:{ws_port}/tcp" in text
        assert "got ping solo 1" in text
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=WAIT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, out.read_text()


NONE_BACKEND = """
redef exit_only_after_terminate = T;
event Cluster::websocket_client_added(info: Cluster::EndpointInfo, subscriptions: string_vec)
	{
	print "added", subscriptions;
	}
event zeek_init()
	{
	local p = count_to_port(to_count(getenv("WS_PORT")), tcp);
	print "listen", Cluster::listen_websocket([$listen_addr=127.0.0.1, $listen_port=p]);
	}
"""


def _standalone_listener(tmp_path: Path, text: str):
    """``(process, output file, port)``: ``zscript run --bare standalone`` of
    ``text``, a script that listens on the port in ``$WS_PORT``."""
    (ws_port,) = free_ports(1)
    script = tmp_path / "listener.zs"
    script.write_text(text)
    env = dict(os.environ, WS_PORT=str(ws_port), PYTHONUNBUFFERED="1")
    out = tmp_path / "out"
    with open(out, "wb") as f:
        proc = subprocess.Popen(
            [sys.executable, "-m", "zscript", "run", "--bare", "standalone", str(script)],
            stdout=f,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=tmp_path,
        )
    return proc, out, ws_port


def _connect_once_listening(proc, out: Path, ws_port: int):
    """A client connection to ``proc``'s server, tried until it listens."""
    url = f"ws://127.0.0.1:{ws_port}/v1/messages/json"
    deadline = time.monotonic() + WAIT
    while True:
        try:
            return connect(url, open_timeout=WAIT)
        except OSError:
            assert time.monotonic() < deadline, out.read_text()
            assert proc.poll() is None, out.read_text()
            time.sleep(0.1)


def test_clients_served_without_a_cluster_backend(tmp_path):
    """With Cluster::backend NONE (bare mode, no backend loaded) the server still
    listens and a client gets its ack, as with Zeek's None backend: its events
    go nowhere, nothing fails."""
    import signal

    proc, out, ws_port = _standalone_listener(tmp_path, NONE_BACKEND)
    try:
        ws = _connect_once_listening(proc, out, ws_port)
        with ws:
            ws.send('["/test/topic"]')
            assert recv_json(ws)["type"] == "ack"
            ws.send(json.dumps(data_message("/test/topic", "ping", [s("x")])))
            ws.send("[]")  # still open: a second handshake message is an error reply
            assert recv_json(ws)["type"] == "error"
        text = out.read_text()
        assert "listen, T" in text
        assert "added, [/test/topic]" in text
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=WAIT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, out.read_text()
    assert "Traceback" not in out.read_text()


FLOODED = """
@load frameworks/cluster/backend/broker
redef exit_only_after_terminate = T;
redef Cluster::default_websocket_max_event_queue_size = 1;
global pings = 0;
global ping: event(s: string) &is_used;
event ping(s: string)
	{
	if ( ++pings == 200 )
		{
		print "terminating";
		terminate();
		}
	}
event zeek_init()
	{
	Cluster::subscribe("/test/pings/");
	local p = count_to_port(to_count(getenv("WS_PORT")), tcp);
	Cluster::listen_websocket([$listen_addr=127.0.0.1, $listen_port=p]);
	}
"""


def test_terminating_while_a_client_floods_drops_its_queue_quietly(tmp_path):
    """The node terminates while a client's events still arrive (Zeek's
    terminate-while-queuing): it ends, and what is still queued is dropped
    without an error (it once reported "'NoneType' object has no attribute
    'publish'": frames handled after the client's backend was gone)."""
    proc, out, ws_port = _standalone_listener(tmp_path, FLOODED)
    try:
        stack = contextlib.ExitStack()
        clients = [
            stack.enter_context(_connect_once_listening(proc, out, ws_port)) for _ in range(3)
        ]
        for ws in clients:
            ws.send("[]")
            assert recv_json(ws)["type"] == "ack"
        ping = json.dumps(data_message("/test/pings/", "ping", [s("x")]))
        open_ = list(clients)
        for _ in range(20000):  # round robin, as fast as they go, until the node closes them
            if not open_:
                break
            for ws in list(open_):
                try:
                    ws.send(ping)
                except (ConnectionClosed, OSError):
                    open_.remove(ws)
        stack.close()
        proc.wait(timeout=WAIT)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    text = out.read_text()
    assert proc.returncode == 0, text
    assert "terminating" in text
    assert "error" not in text and "Traceback" not in text, text


def test_listen_checks_options(local_cluster):
    port, port2 = free_ports(2)
    cl = local_cluster({"manager": "manager"})
    cl.start_all([HERE / "listen.zs"], env={"WS_PORT": str(port), "WS_PORT2": str(port2)})
    out = cl.wait_for("manager", "done")
    lines = [ln for ln in out.splitlines() if re.fullmatch(r"\w+, [TF]", ln)]
    assert lines[:4] == ["first, T", "again, T", "equal, T", "other, F"], out
    # Zeek's builtin errors: at the call, which is shown.
    assert re.search(
        rf"error in \S*listen.zs, line \d+.*: Already listening on 127\.0\.0\.1:{port} \(Cluster::listen_websocket\(",
        out,
    ), out
    assert "no_key, F" in out
    assert re.search(
        r"error in \S*listen.zs, line \d+.*: Invalid tls_options: No key_file field \(", out
    )
    assert "no_cert, F" in out
    assert re.search(
        r"error in \S*listen.zs, line \d+.*: Invalid tls_options: No cert_file field \(", out
    )
    # As Zeek's server, TLS files are read for each connection: missing ones
    # do not stop listening; TLS clients fail (reported once) until they exist.
    assert "missing_files, T" in out
    for _ in range(2):
        with pytest.raises((ssl.SSLError, InvalidMessage, ConnectionError)):
            connect(f"wss://127.0.0.1:{port2}/v1/messages/json", open_timeout=WAIT).close()
    err = cl.wait_for(
        "manager",
        rf"^error: WebSocket: cannot accept TLS connections on 127\.0\.0\.1:{port2}: .*No such file",
        regex=True,
    )
    assert len(re.findall(r"cannot accept TLS connections", err)) == 1, err
    made, made_key = self_signed_cert(cl.dir)
    made.rename(cl.dir / "nope.pem")
    made_key.rename(cl.dir / "nope.key")
    ctx = ssl.create_default_context(cafile=str(cl.dir / "nope.pem"))
    with connect(f"wss://127.0.0.1:{port2}/v1/messages/json", ssl=ctx, open_timeout=WAIT) as ws:
        ws.send("[]")
        assert recv_json(ws)["type"] == "ack"
    assert "no_addr, F" in out
    assert re.search(r"error in \S*listen.zs, line \d+.*: missing listen_addr field \(", out)
    # The first server serves, nothing crashed.
    with connect(f"ws://127.0.0.1:{port}/v1/messages/json", open_timeout=WAIT) as ws:
        ws.send("[]")
        assert recv_json(ws)["type"] == "ack"
    assert "Traceback" not in cl.output("manager")


# ------------------------------------------------------------ bad clients


def test_bad_uri_and_application_name_close_1008(ws_cluster):
    srv = ws_cluster(worker=False)
    with srv.connect(srv.base + "/v0/messages/json") as ws:
        assert_error(ws, "Invalid URI - use /v1/messages/json", "invalid_uri")
        assert closed_with(ws) == (1008, "Invalid URI - use /v1/messages/json")
    with srv.connect(srv.url + "?x=1") as ws:
        assert_error(ws, "Invalid URI - use /v1/messages/json", "invalid_uri")
    with srv.connect(additional_headers={"X-Application-Name": "bad name"}) as ws:
        assert_error(ws, "Invalid X-Application-Name", "invalid_application_name")
        assert closed_with(ws) == (1008, "Invalid X-Application-Name")
    # The server goes on; rejected clients never became endpoints (no lost event).
    with srv.connect(additional_headers={"X-Application-Name": "ok/app_1.x=y:z*@"}) as ws:
        ack = srv.subscribe(ws, [])
    srv.wait_for(f"added {ack['endpoint']} ok/app_1.x=y:z*@ []")
    out = srv.wait_for(f"lost {ack['endpoint']} 1000")
    assert out.count("lost ") == 1 and out.count("added ") == 1


def test_bad_subscriptions_get_errors(ws_cluster):
    srv = ws_cluster(worker=False)
    cases = [
        ('["broken", "brrr', "subscriptions not an array"),
        ('{"a": 1}', "subscriptions not an array"),
        ("[1, 2]", "individual subscription not a string"),
        ('[1, "/my_topic"]', "individual subscription not a string"),
        (b"\xff\xfe\x00", "subscriptions not an array"),
    ]
    for frame, context in cases:
        with srv.connect() as ws:
            ws.send(frame)
            assert_error(ws, context)
            assert closed_with(ws) == (1008, context)
    # Subscriptions in a binary frame are read like text (as Zeek's server does).
    with srv.connect() as ws:
        ws.send(b'["/dup", "/a", "/dup"]')
        ack = recv_json(ws)
    srv.wait_for(f"added {ack['endpoint']} - [/a, /dup]")
    out = srv.wait_for("lost ", count=len(cases) + 1)
    assert out.count("lost ") == len(cases) + 1
    assert "lost " in out and "1008 'individual subscription not a string'" in out


def test_bad_data_messages_get_errors_and_the_connection_survives(ws_cluster):
    srv = ws_cluster(worker=False, WS_MAX_MESSAGE="262144")
    bad_json = "failed to decode JSON object"
    no_event = "failed to create Zeek event"
    ping = data_message("zscript.test.ws.manager", "Test::ping", [s("ok"), c(1)])
    nested = '{"@data-type":"vector","data":' * 5000 + "[]" + "}" * 5000
    cases = [
        ("this is not JSON", bad_json),
        ("[1, 2]", bad_json),
        (json.dumps(data_message("t", "Test::ping", 42)), bad_json),
        (json.dumps(data_message("t", "Test::ping", [{DT: "money", "data": 0}])), bad_json),
        (
            json.dumps(data_message("t", "Test::ping", [s("x"), {DT: "count", "data": -1}])),
            bad_json,
        ),
        (
            json.dumps(data_message("t", "Test::ping", [s("x"), {DT: "count", "data": 1.5}])),
            bad_json,
        ),
        (json.dumps(data_message("t", "Test::ping", [{DT: "address", "data": "nope"}])), bad_json),
        (nested, bad_json),
        (
            json.dumps({k: v for k, v in ping.items() if k != "topic"}),
            "no topic in top-level JSON object",
        ),
        (json.dumps(dict(ping, topic=17)), "no topic in top-level JSON object"),
        (json.dumps(data_message("t", "Test::nope", [])), no_event),
        (json.dumps(data_message("t", "Test::ping", [s("x")])), no_event),
        (json.dumps(data_message("t", "Test::ping", [c(42), s("x")])), no_event),
        (
            json.dumps(data_message("t", "Test::ping", [s("x"), {DT: "integer", "data": -1}])),
            no_event,
        ),
        (json.dumps(data_message("t", "no_such_global", [])), no_event),
        (b"\xff\xfe binary junk", bad_json),
    ]
    with srv.connect() as ws:
        srv.subscribe(ws, ["zscript.test.ws.client.pong"])
        for frame, context in cases:
            ws.send(frame)
            assert_error(ws, context)
        # Still open: a good event in a binary frame, then in a text frame.
        ws.send(json.dumps(ping).encode())
        assert recv_json(ws)["data"][2]["data"][1]["data"] == [s("ok"), c(2)]
        ws.send(json.dumps(ping))
        assert recv_json(ws)["data"][2]["data"][1]["data"] == [s("ok"), c(2)]
        # A message over max_message_size closes the connection (1009), only it.
        ws.send("[" + " " * 300000 + "]")
        code, _ = closed_with(ws)
        assert code == 1009
    srv.wait_for("lost ", count=1)
    assert re.search(r"lost \S+ 1009 ", srv.output())
    with srv.connect() as ws:
        assert srv.subscribe(ws, [])["type"] == "ack"
    out = srv.output()
    assert "Traceback" not in out
    assert "Unserialize error 'Test::ping' arg_types.size()=2 and args.size()=1" in out
    # Zeek's words (its broker serializer's), which name no client; a basic
    # type is shown with its "location", its name.
    assert re.search(
        r"^error: Unserialize error for event 'Test::ping': broker value '42' type 'count' "
        r"to Zeek type 'string string' failed$",
        out,
        flags=re.M,
    ), out


# ------------------------------------------------------------ auth and TLS


def test_bearer_token_is_required_at_the_handshake(ws_cluster):
    token = "s3cret-t0ken"
    srv = ws_cluster(worker=False, WS_TOKEN=token)

    def refused(**kw) -> int:
        with pytest.raises(InvalidStatus) as info:
            srv.connect(**kw).close()
        return info.value.response

    resp = refused()
    assert resp.status_code == 401 and resp.headers["WWW-Authenticate"].startswith("Bearer")
    assert refused(additional_headers={"Authorization": "Bearer wrong"}).status_code == 403
    assert refused(additional_headers={"Authorization": f"Bearer {token}x"}).status_code == 403
    assert refused(additional_headers={"Authorization": "Token " + token}).status_code == 403
    wrong_basic = "Basic " + base64.b64encode(b"zeek:nope").decode()
    assert refused(additional_headers={"Authorization": wrong_basic}).status_code == 403
    # The right token, as a bearer token or as Basic credentials in the URI
    # (which unmodified clients such as zeekpy can send).
    with srv.connect(additional_headers={"Authorization": f"Bearer {token}"}) as ws:
        a = srv.subscribe(ws, ["zscript.test.ws.client."])
    with srv.connect(f"ws://zeek:{token}@127.0.0.1:{srv.port}/v1/messages/json") as ws:
        b = srv.subscribe(ws, [])
    out = srv.wait_for(f"lost {b['endpoint']} 1000")
    # Refused clients never got as far as subscribing.
    assert out.count("added ") == 2 and out.count("lost ") == 2
    assert f"added {a['endpoint']} - [zscript.test.ws.client.]" in out


def test_tls(ws_cluster, tmp_path):
    cert, key = self_signed_cert(tmp_path)
    srv = ws_cluster(scheme="wss", WS_CERT=str(cert), WS_KEY=str(key))
    ctx = ssl.create_default_context(cafile=str(cert))
    with srv.connect(ssl=ctx) as ws:
        assert srv.subscribe(ws, ["zscript.test.ws.client.pong"])["type"] == "ack"
        ws.send(json.dumps(data_message("zscript.test.ws.manager", "Test::ping", [s("tls"), c(1)])))
        assert recv_json(ws)["data"][2]["data"][1]["data"] == [s("tls"), c(2)]
    srv.wait_for("manager got ping tls 1")
    # A client speaking plain WebSocket to the TLS port fails; the server goes on.
    with pytest.raises(Exception):  # noqa: B017 - whatever the library makes of it
        connect(srv.url.replace("wss://", "ws://"), open_timeout=5).close()
    # A client that does not trust the certificate is refused by its own TLS.
    with pytest.raises(ssl.SSLCertVerificationError):
        srv.connect(ssl=ssl.create_default_context()).close()
    # Garbage instead of a TLS handshake: dropped quietly.
    for junk in (b"\x16\x03\x01\x00\x05hello", b"GET / HTTP/1.1\r\n\r\n", b"\x00" * 1000):
        with socket.create_connection(("127.0.0.1", srv.port), timeout=WAIT) as sock:
            sock.sendall(junk)
            sock.settimeout(5)
            try:
                while sock.recv(4096):
                    pass
            except OSError:
                pass
    with srv.connect(ssl=ctx) as ws:
        assert srv.subscribe(ws, [])["type"] == "ack"
    assert "Traceback" not in srv.output()


def test_tls_without_a_certificate(ws_cluster):
    # Empty cert_file and key_file: encrypted, not authenticated (anonymous
    # ciphers, which the client must offer too).
    ciphers = "AECDH-AES256-SHA@SECLEVEL=0:AECDH-AES256-SHA"
    srv = ws_cluster(worker=False, scheme="wss", WS_ANON_CIPHERS=ciphers)
    ctx = ssl.create_default_context()
    ctx.set_ciphers(ciphers)
    with srv.connect(ssl=ctx, server_hostname="localhost") as ws:
        assert ws.socket.cipher()[0] == "AECDH-AES256-SHA"
        assert srv.subscribe(ws, ["zscript.test.ws.client.pong"])["type"] == "ack"
        ws.send(
            json.dumps(data_message("zscript.test.ws.manager", "Test::ping", [s("anon"), c(1)]))
        )
        assert recv_json(ws)["data"][2]["data"][1]["data"] == [s("anon"), c(2)]
    # A client insisting on certificates (the default ciphers) gets no connection.
    with pytest.raises((ssl.SSLError, InvalidMessage)):
        srv.connect(ssl=ssl.create_default_context(), server_hostname="localhost").close()


def test_tls_with_client_certificates(ws_cluster, tmp_path):
    cert, key = self_signed_cert(tmp_path)
    srv = ws_cluster(
        worker=False, scheme="wss", WS_CERT=str(cert), WS_KEY=str(key), WS_CA=str(cert)
    )
    ctx = ssl.create_default_context(cafile=str(cert))
    ctx.load_cert_chain(cert, key)
    with srv.connect(ssl=ctx) as ws:
        ack = srv.subscribe(ws, [])
    srv.wait_for(f"lost {ack['endpoint']} 1000")
    # No client certificate: the TLS handshake fails (with TLS 1.3 the client
    # learns it on its first read), nothing reaches the server's clients.
    bare = ssl.create_default_context(cafile=str(cert))
    with (
        pytest.raises((ssl.SSLError, OSError, InvalidMessage, ConnectionClosed)),
        srv.connect(ssl=bare) as ws,
    ):
        srv.subscribe(ws, [])
    with srv.connect(ssl=ctx) as ws:  # the server goes on
        ack = srv.subscribe(ws, [])
    out = srv.wait_for(f"lost {ack['endpoint']} 1000")
    assert out.count("added ") == 2 and "Traceback" not in out


def test_garbage_connections_are_dropped_quietly(ws_cluster):
    srv = ws_cluster(worker=False)
    junk = [
        b"GARBAGE\r\n\r\n",
        b"GET /v1/messages/json HTTP/1.1\r\nHost: x\r\n\r\n",  # no upgrade: 426
        b"POST /v1/messages/json HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello",
        b"GET /v1/messages/json HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
        b"Connection: Upgrade\r\nSec-WebSocket-Key: bad\r\nSec-WebSocket-Version: 13\r\n\r\n",
        b"GET /" + b"a" * 100000 + b" HTTP/1.1\r\n\r\n",
        b"GET / HTTP/1.1\r\n" + b"X: y\r\n" * 1000 + b"\r\n",
        b"\x16\x03\x01\x00\x05hello",
        b"",
    ]
    for payload in junk * 5:
        with socket.create_connection(("127.0.0.1", srv.port), timeout=WAIT) as sock:
            try:
                sock.sendall(payload)
                sock.shutdown(socket.SHUT_WR)
                while sock.recv(4096):
                    pass
            except OSError:
                pass  # reset by the server: fine
    with srv.connect() as ws:
        assert srv.subscribe(ws, [])["type"] == "ack"
    out = srv.output()
    assert "Traceback" not in out and "added" in out and "internal error" not in out
    assert out.count("WebSocket:") <= len(junk), out


# ------------------------------------------------------------ resources


def test_malformed_flood_keeps_memory_flat(ws_cluster):
    srv = ws_cluster(worker=False)
    pid = srv.cluster.procs["manager"].pid
    junk = [
        "not json at all",
        json.dumps(data_message("t", "Test::ping", [{DT: "money", "data": 1}])),
        json.dumps(data_message("t", "Test::ping", [c(1), s("x")])),
        '{"@data-type":"vector","data":' * 100 + "[]" + "}" * 100,
        "x" * 20000,
        b"\x00\xff" * 500,
    ]

    def flood(ws, rounds: int) -> None:
        # Pipelined in batches: send, then read every reply (a client that
        # never read its replies would be dropped as a slow client).
        for r in range(rounds):
            batch = [junk[(r + i) % len(junk)] for i in range(100)]
            batch.append(json.dumps(data_message("t", f"Test::unknown{r}", [])))
            for frame in batch:
                ws.send(frame)
            for _ in batch:
                assert recv_json(ws)["type"] == "error"

    with srv.connect() as ws:
        srv.subscribe(ws, ["zscript.test.ws.client.pong"])
        flood(ws, 20)  # warm-up: caches, allocator pools
        before = rss_kib(pid)
        flood(ws, 100)  # 10,100 more bad messages
        after = rss_kib(pid)
        ws.send(json.dumps(data_message("zscript.test.ws.manager", "Test::ping", [s("x"), c(1)])))
        assert recv_json(ws)["data"][2]["data"][1]["data"] == [s("x"), c(2)]
    # Short-lived clients with bad subscriptions, too.
    for _ in range(200):
        with srv.connect() as ws:
            ws.send("{")
            assert_error(ws, "subscriptions not an array")
    final = rss_kib(pid)
    print(
        f"manager RSS: {before} KiB before, {after} KiB after 10,100 bad messages, "
        f"{final} KiB after 200 bad clients"
    )
    assert after - before < 8 * 1024, (before, after)
    assert final - before < 16 * 1024, (before, final)
    assert srv.cluster.running("manager")
    # Every bad message and client was answered, and counted.
    stats = wait_stats(srv, lambda st: st["errors_sent"] >= 120 * 101 + 200)
    assert stats["errors_sent"] == 120 * 101 + 200
    assert stats["bad_input_closes"] == 200


KNOWN_CONTEXTS = {
    "failed to decode JSON object",
    "no topic in top-level JSON object",
    "failed to create Zeek event",
}
DATA_TYPES = ["none", "boolean", "count", "integer", "real", "string", "address", "subnet"]
DATA_TYPES += ["port", "timestamp", "timespan", "enum-value", "set", "table", "vector", "money"]


def _junk(rng, depth: int = 2):
    """A random JSON value, sometimes shaped like Broker data."""
    atoms = [None, True, False, 0, -1, 2**64, 2**70, 1.5, -0.0, 1e308, "", "x", "80/tcp"]
    atoms += ["::1", "10.0.0.0/33", "1s", "1e999h", "2024-02-30T00:00:00", "Test::RED", "\x00"]
    r = rng.random()
    if depth <= 0 or r < 0.4:
        return rng.choice(atoms)
    if r < 0.55:
        return [_junk(rng, depth - 1) for _ in range(rng.randrange(3))]
    if r < 0.65:
        return {"key": _junk(rng, depth - 1), "value": _junk(rng, depth - 1)}
    return {DT: rng.choice(DATA_TYPES), "data": _junk(rng, depth - 1)}


def _nodes(obj, out: list) -> list:
    """Every (container, key) in a JSON value."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            out.append((obj, k))
            _nodes(v, out)
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            out.append((obj, i))
            _nodes(v, out)
    return out


def mutate(rng, msg) -> str | bytes:
    """``msg`` damaged at random: structurally (a value replaced, a type swapped,
    a key dropped) or as text (bytes cut, inserted, truncated)."""
    how = rng.randrange(6)
    if how < 3:
        obj = json.loads(json.dumps(msg))
        container, key = rng.choice(_nodes(obj, []))
        if how == 0:
            container[key] = _junk(rng)
        elif how == 1 and isinstance(container, dict) and key == DT:
            container[key] = rng.choice(DATA_TYPES)
        elif isinstance(container, dict):
            del container[key]
        else:
            container.insert(key, _junk(rng))
        return json.dumps(obj)
    text = json.dumps(msg).encode()
    i = rng.randrange(len(text))
    if how == 3:
        return text[:i] + text[i + rng.randrange(1, 20) :]
    if how == 4:
        return (
            text[:i] + bytes(rng.choice(b'{}[]",:\\0-e\x00\xff\xc3') for _ in range(3)) + text[i:]
        )
    return text[:i]


def test_fuzzed_messages_get_errors_never_tracebacks(ws_cluster):
    """Thousands of damaged messages (seeded, so reproducible): each gets an
    error reply with one of Zeek's contexts or is a valid event; the connection
    stays open, the node reports no internal error, and every reply is counted."""
    import random

    srv = ws_cluster(worker=False)
    rng = random.Random(20240611)
    edge = [
        enc("vector", [s("^?(a+b)$?"), s("^?(.|\\n)*(a+b)")]),
        enc("vector", [s("Test::shout")]),
        enc("table", [{"key": enc("vector", [s("a"), c(1)]), "value": enc("boolean", True)}]),
        enc("vector", [enc("vector", [c(1), enc("none", {})])]),
        enc("set", [enc("vector", [enc("address", "192.0.2.1"), enc("port", "53/udp")])]),
        enc("table", [{"key": c(7), "value": enc("set", [s("x")])}]),
        enc("address", "2001:db8::1"),
        enc("subnet", "2001:db8::/32"),
        enc("port", "0/?"),
        c(1),
        enc("integer", -1),
        enc("timespan", "0s"),
        enc("timespan", "1500000000.0ns"),
        enc("timestamp", "2025-01-02T03:04:05.678123+00:00"),
        s("x"),
        enc("vector", [s("a")]),
        enc("real", 0.5),
    ]
    bases = [
        data_message("zscript.test.ws.manager", "Test::ping", [s("fuzz"), c(1)]),
        data_message("zscript.test.ws.nowhere", "Test::edge_types", edge),
    ]
    sent = errors = 0
    with srv.connect() as ws:
        srv.subscribe(ws, ["zscript.test.ws.client.pong"])
        for batch in range(30):
            for _ in range(100):
                ws.send(mutate(rng, rng.choice(bases)))
                sent += 1
            marker = f"sentinel-{batch}"
            ws.send(
                json.dumps(data_message("zscript.test.ws.manager", "Test::ping", [s(marker), c(0)]))
            )
            while True:
                reply = recv_json(ws)
                if reply["type"] == "error":
                    assert reply["code"] == "deserialization_failed", reply
                    assert reply["context"] in KNOWN_CONTEXTS, reply
                    errors += 1
                elif reply["data"][2]["data"][1]["data"][0] == s(marker):
                    break
    print(f"{sent} damaged messages: {errors} error replies, {sent - errors} valid events")
    assert errors > sent * 0.8
    out = srv.output()
    assert "Traceback" not in out and "internal error" not in out
    stats = wait_stats(srv, lambda st: st["errors_sent"] >= errors)
    assert stats["errors_sent"] == errors
    assert stats["messages_in"] >= sent + 30

    # Damaged subscription lists: an ack, or the error and close 1008.
    base = ["zscript.test.ws.client.pong", "a/b"]
    acks = 0
    for _ in range(60):
        frame = mutate(rng, base)
        with srv.connect() as ws:
            ws.send(frame)
            reply = recv_json(ws)
            acks += reply["type"] == "ack"
            if reply["type"] != "ack":
                assert reply["code"] == "deserialization_failed", reply
                assert reply["context"] in (
                    "subscriptions not an array",
                    "individual subscription not a string",
                ), reply
                assert closed_with(ws) == (1008, reply["context"])
    assert 0 < acks < 60
    assert "Traceback" not in srv.output() and "internal error" not in srv.output()


def test_slow_client_is_disconnected(ws_cluster):
    srv = ws_cluster(worker=False, WS_MAX_QUEUE="20")
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", srv.port))
    # max_queue=1: the client's reader thread holds one message, then stops reading.
    with srv.connect(sock=sock, max_queue=1) as slow:
        ack = srv.subscribe(slow, ["zscript.test.ws.client.slow"])
        # The manager floods the topic; the client never reads.
        out = srv.wait_for(f"lost {ack['endpoint']} 1013 'Outgoing queue full: client too slow'")
        assert "Traceback" not in out
        code, reason = closed_with(slow)
        assert code in (1013, None)
    # Others are served as before.
    with srv.connect() as ws:
        assert srv.subscribe(ws, [])["type"] == "ack"
    wait_log(srv, r"gone with code 1013 and reason 'Outgoing queue full: client too slow'")
    # The manager dropped nothing: the client's backend took the flood and
    # its queue, not the cluster, overflowed.
    st = srv.cluster.wait_status("manager", lambda st: st["events_out"] > 0)
    assert st["send_drops"] == 0, st


class RawClient:
    """A WebSocket client at the frame level (websockets' sans-I/O protocol for
    the handshake and for reading), which can also write frames a real client
    must not: unmasked, reserved bits or opcodes, invalid UTF-8, lies about
    lengths."""

    def __init__(self, srv: Server, rcvbuf: int | None = None):
        from websockets.client import ClientProtocol
        from websockets.protocol import OPEN
        from websockets.uri import parse_uri

        self.proto = ClientProtocol(parse_uri(srv.url), max_size=None)
        self.sock = socket.socket()
        if rcvbuf is not None:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.settimeout(WAIT)
        self.sock.connect(("127.0.0.1", srv.port))
        self.proto.send_request(self.proto.connect())
        self._flush()
        while self.proto.state is not OPEN:
            self.proto.receive_data(self.sock.recv(65536))
            self.proto.events_received()  # the handshake response

    def _flush(self) -> None:
        for data in self.proto.data_to_send():
            self.sock.sendall(data)

    def subscribe(self, topics: list[str]) -> dict:
        self.proto.send_text(json.dumps(topics).encode())
        self._flush()
        return json.loads(self.next_text())

    def next_text(self) -> str:
        from websockets.frames import Opcode

        while True:
            for ev in self.proto.events_received():
                if ev.opcode is Opcode.TEXT:
                    return ev.data.decode()
            data = self.sock.recv(65536)
            assert data, "connection closed"
            self.proto.receive_data(data)

    def frame(self, opcode: int, payload: bytes, *, fin=True, rsv1=False, mask=True, length=None):
        """Write one frame as given (``length`` overrides the length field)."""
        n = len(payload) if length is None else length
        head = bytes([(0x80 if fin else 0) | (0x40 if rsv1 else 0) | opcode])
        m = 0x80 if mask else 0
        if n < 126:
            head += bytes([m | n])
        elif n < 1 << 16:
            head += bytes([m | 126]) + n.to_bytes(2, "big")
        else:
            head += bytes([m | 127]) + n.to_bytes(8, "big")
        if mask:
            key = os.urandom(4)
            payload = bytes(b ^ key[i % 4] for i, b in enumerate(payload))
            head += key
        self.sock.sendall(head + payload)

    def close_code(self) -> int | None:
        """Read until the server closes; the code of its close frame (None: none came)."""
        try:
            while data := self.sock.recv(65536):
                self.proto.receive_data(data)
                self.proto.events_received()
                self._flush()  # answers the close frame: the server need not wait
        except (ConnectionResetError, BrokenPipeError):
            pass
        self.sock.close()  # the server waits for the TCP close
        rcvd = self.proto.close_rcvd
        return None if rcvd is None else int(rcvd.code)

    def close(self) -> None:
        self.sock.close()


def test_unresponsive_client_gets_ping_timeout(ws_cluster):
    srv = ws_cluster(worker=False, WS_PING="1")
    # A client that stops reading after its ack: it never answers a ping.
    raw = RawClient(srv)
    try:
        ack = raw.subscribe([])
        assert ack["type"] == "ack"
        # From here on nothing is read or sent: pings stay unanswered.
        srv.wait_for(f"lost {ack['endpoint']} 1011 'Ping timeout'")
    finally:
        raw.close()
    wait_log(srv, r"gone with code 1011 and reason 'Ping timeout'")
    assert wait_stats(srv, lambda st: st["ping_timeouts"] > 0)["ping_timeouts"] == 1


def test_bad_frames_close_with_protocol_codes(ws_cluster):
    srv = ws_cluster(worker=False, WS_MAX_MESSAGE="65536")
    cases = [
        ("text that is not UTF-8", dict(opcode=0x1, payload=b"\xff\xfe"), 1007),
        ("an unmasked frame", dict(opcode=0x1, payload=b"[]", mask=False), 1002),
        ("a reserved bit (no extension)", dict(opcode=0x1, payload=b"{}", rsv1=True), 1002),
        ("a reserved opcode", dict(opcode=0x3, payload=b"x"), 1002),
        ("a ping over 125 bytes", dict(opcode=0x9, payload=b"p" * 126), 1002),
        ("a fragmented ping", dict(opcode=0x9, payload=b"p", fin=False), 1002),
        ("a continuation out of nowhere", dict(opcode=0x0, payload=b"x"), 1002),
        ("a frame claiming 1 TiB", dict(opcode=0x2, payload=b"", length=1 << 40), 1009),
        ("a text message over max_message_size", dict(opcode=0x1, payload=b" " * 70000), 1009),
    ]
    for what, frame, code in cases:
        raw = RawClient(srv)
        try:
            ack = raw.subscribe(["zscript.test.ws.client.pong"])
            raw.frame(**frame)
            assert raw.close_code() == code, what
            srv.wait_for(f"lost {ack['endpoint']} {code} ")
        finally:
            raw.close()
    # The same before the subscriptions, and the server goes on.
    raw = RawClient(srv)
    try:
        raw.frame(opcode=0x1, payload=b"\xc3\x28")
        assert raw.close_code() == 1007
    finally:
        raw.close()
    with srv.connect() as ws:
        assert srv.subscribe(ws, [])["type"] == "ack"
    assert "Traceback" not in srv.output() and "internal error" not in srv.output()
    stats = wait_stats(srv, lambda st: st["bad_input_closes"] >= len(cases) + 1)
    assert stats["bad_input_closes"] == len(cases) + 1


def test_a_client_that_pings_but_never_reads_is_disconnected(ws_cluster):
    srv = ws_cluster(worker=False)
    pid = srv.cluster.procs["manager"].pid
    before = rss_kib(pid)
    raw = RawClient(srv, rcvbuf=4096)
    try:
        ack = raw.subscribe([])
        # Pings with the largest payload, never reading a pong: past the
        # kernel's buffers, 1 MiB of unread pongs disconnects it.
        ping = b"\x89\xfd" + b"\x00" * 4 + b"p" * 125  # masked with a zero key
        try:
            for _ in range(200):
                raw.sock.sendall(ping * 500)
        except OSError:
            pass  # disconnected
        out = srv.wait_for(f"lost {ack['endpoint']} 1013 'Outgoing queue full: client too slow'")
        assert "Traceback" not in out
    finally:
        raw.close()
    grown = rss_kib(pid) - before
    print(f"manager RSS grew by {grown} KiB for a client sending 100,000 pings")
    assert grown < 16 * 1024
    assert wait_stats(srv, lambda st: st["slow_clients"] > 0)["slow_clients"] == 1


def test_shutdown_closes_clients_with_1001(ws_cluster):
    import signal

    srv = ws_cluster(worker=False)
    with srv.connect() as ws:
        srv.subscribe(ws, [])
        srv.cluster.kill("manager", signal.SIGTERM)
        assert closed_with(ws) == (1001, "Terminating")
    assert srv.cluster.procs["manager"].returncode == 0


# ------------------------------------------------------------ layout


def test_layout_settings_and_config_script(local_cluster):
    default = WebSocketSettings("127.0.0.1", 27759)
    assert layout_websocket_settings({}) is None
    assert layout_websocket_settings({"websocket": True}) == default
    assert layout_websocket_settings({"websocket_port": 27759}) == default
    assert layout_websocket_settings({"websocket_port": 1, "websocket_host": "::1"}) == (
        WebSocketSettings("::1", 1)
    )
    assert layout_websocket_settings({"websocket": False, "websocket_port": 5}) is None
    tls = layout_websocket_settings(
        {"websocket": True, "websocket_cert_file": "/c.pem", "websocket_key_file": "/k.pem"}
    )
    assert tls == WebSocketSettings("127.0.0.1", 27759, "/c.pem", "/k.pem")
    assert tls.url == "wss://127.0.0.1:27759/v1/messages/json"
    assert WebSocketSettings("::1", 9).url == "ws://[::1]:9/v1/messages/json"
    for bad, why in (
        ({"websocket_port": 0}, "websocket_port: a port must be"),
        ({"websocket_port": "27759"}, "websocket_port: a port must be"),
        ({"websocket": "yes"}, "websocket: must be true or false"),
        ({"websocket_host": "x"}, "websocket_host: not an IP address"),
        ({"websocket_host": "127.0.0.1"}, "websocket_host: needs websocket = true"),
        ({"websocket": True, "websocket_host": "localhost"}, "websocket_host: not an IP"),
        ({"websocket": True, "websocket_cert_file": "/c.pem"}, "websocket_cert_file: TLS needs"),
        (
            {"websocket": True, "websocket_cert_file": "c.pem", "websocket_key_file": "k.pem"},
            "websocket_cert_file: must be an absolute path",
        ),
    ):
        with pytest.raises(ValueError, match=re.escape(f"cluster.toml [cluster] {why}")):
            layout_websocket_settings(bad, "cluster.toml [cluster]")
    script = websocket_config_script(WebSocketSettings("::1", 9, '/a "b".pem', "/k.pem"))
    assert "$listen_addr=[::1], $listen_port=9/tcp" in script
    cert = string_literal('/a "b".pem')
    assert f'$cert_file={cert}, $key_file="/k.pem"' in script

    # A layout with websocket_port: the manager (only) listens there, with
    # the token from its environment.
    (port,) = free_ports(1)
    cl = local_cluster({"manager": "manager", "worker-1": "worker"})
    text = cl.layout.read_text().replace("[cluster]\n", f"[cluster]\nwebsocket_port = {port}\n")
    cl.layout.write_text(text)
    cl.start_all([SCRIPT], env={"ZSCRIPT_WEBSOCKET_AUTH_TOKEN": "tok"})
    cl.wait_for("manager", "node_up worker-1")
    cl.wait_for("worker-1", "node_up manager")
    url = f"ws://127.0.0.1:{port}/v1/messages/json"
    with pytest.raises(InvalidStatus) as info:
        connect(url, open_timeout=WAIT).close()
    assert info.value.response.status_code == 401
    with connect(url, open_timeout=WAIT, additional_headers={"Authorization": "Bearer tok"}) as ws:
        ws.send('["zscript.test.ws.client.pong"]')
        assert recv_json(ws)["type"] == "ack"
        ws.send(json.dumps(data_message("zscript.test.ws.manager", "Test::ping", [s("l"), c(1)])))
        assert recv_json(ws)["data"][2]["data"][1]["data"] == [s("l"), c(2)]
    cl.wait_for("manager", "lost ")
    assert "error" not in cl.output("worker-1") and "added" not in cl.output("worker-1")


# ------------------------------------------------------------ hostile clients


def test_non_ascii_credentials_are_refused_not_an_error(ws_cluster):
    srv = ws_cluster(worker=False, WS_TOKEN="tok")
    for value in (b"Bearer \xff\xfe", "Bearer t\u00f6k".encode(), b"Basic \x80\x81", b"\xc3("):
        with raw_handshake(srv.port, b"Authorization: " + value + b"\r\n") as sock:
            assert http_status(sock) == 403, value
    with raw_handshake(srv.port, b"Authorization: Bearer tok\r\n") as sock:
        assert http_status(sock) == 101
    assert "handshake check failed" not in srv.output()


def test_clients_cannot_raise_a_nodes_own_events(ws_cluster):
    """zeek_init, zeek_done, node_up, hello ... from a client: refused, never run."""
    srv = ws_cluster()
    topic = "zscript.test.ws.manager"
    with srv.connect() as ws:
        srv.subscribe(ws, ["zscript.test.ws.client.pong"])
        for name, args in (
            ("zeek_init", []),
            ("zeek_done", []),
            ("Cluster::node_up", [s("fake"), s("x")]),
            ("Cluster::node_down", [s("worker-1"), s("x")]),
            ("Cluster::hello", [s("fake"), s("x")]),
        ):
            ws.send(json.dumps(data_message(topic, name, args)))
            reply = recv_json(ws)
            assert reply["type"] == "error" and reply["code"] == "not_allowed", (name, reply)
            assert name in reply["context"]
        # The connection is fine, and so is an ordinary event.
        ws.send(json.dumps(data_message(topic, "Test::ping", [s("after"), c(1)])))
        assert recv_json(ws)["data"][2]["data"][1]["data"] == [s("after"), c(2)]
    out = srv.output()
    assert out.count("listen T") == 1  # zeek_init ran once
    assert "zeek_done ran" not in out and "node_up fake" not in out
    assert srv.cluster.procs["manager"].poll() is None
    assert wait_stats(srv, lambda st: st["refused_messages"] >= 5)["refused_messages"] == 5

    # The same events straight onto the cluster's sockets (a raw ZeroMQ peer):
    # every node drops them, counted.
    import zmq

    from zscript.cluster.serializers import get_serializer

    ser = get_serializer("broker-bin-v1")
    ctx = zmq.Context()
    pub = ctx.socket(zmq.XPUB)
    try:
        pub.connect(f"tcp://127.0.0.1:{srv.cluster.xsub_port}")
        deadline = time.monotonic() + WAIT
        seen = b""
        while not seen.startswith(b"\x01zscript.test.ws.manager"):
            assert time.monotonic() < deadline, "no subscription from the manager"
            if pub.poll(100):
                seen = pub.recv()
        for name in ("zeek_init", "zeek_done"):
            payload = ser.serialize_event(name, [], [])
            pub.send_multipart([topic.encode(), b"raw-peer", b"broker-bin-v1", payload])
        st = srv.cluster.wait_status("manager", lambda st: st.get("local_events", 0) >= 2)
        assert st["local_events"] == 2
    finally:
        pub.close(0)
        ctx.term()
    out = srv.output()
    assert out.count("listen T") == 1 and "zeek_done ran" not in out


def test_token_access_limits_topics_and_events(ws_cluster):
    srv = ws_cluster(worker=False, WS_TOKEN="full", WS_LIMITED_TOKEN="lim")
    lim = {"additional_headers": {"Authorization": "Bearer lim"}}
    with srv.connect(**lim) as ws:
        ws.send('["zscript.test.ws.client.pong", "zscript.test.ws.worker"]')
        reply = recv_json(ws)
        assert reply["code"] == "not_allowed"
        assert reply["context"] == "subscription to 'zscript.test.ws.worker' not allowed"
        assert closed_with(ws)[0] == 1008
    with srv.connect(**lim) as ws:
        # An allowed prefix, and one below it.
        srv.subscribe(ws, ["zscript.test.ws.client.pong", "zscript.test.ws.client.pong.x"])
        for topic, name, args in (
            ("zscript.test.ws.manager", "Test::pong", [s("no"), c(1)]),
            ("zscript.test.ws.worker", "Test::ping", [s("no"), c(1)]),
            ("zscript.test.ws.manager", "zeek_init", []),
        ):
            ws.send(json.dumps(data_message(topic, name, args)))
            reply = recv_json(ws)
            assert reply["code"] == "not_allowed", reply
        ws.send(json.dumps(data_message("zscript.test.ws.manager", "Test::ping", [s("ok"), c(1)])))
        assert recv_json(ws)["data"][2]["data"][1]["data"] == [s("ok"), c(2)]
    # The full token may do what the limited one may not (but no node's own events).
    with srv.connect(additional_headers={"Authorization": "Bearer full"}) as ws:
        srv.subscribe(ws, ["zscript.test.ws.worker"])
        ws.send(json.dumps(data_message("zscript.test.ws.manager", "Test::pong", [s("x"), c(1)])))
        ws.send(json.dumps(data_message("zscript.test.ws.manager", "zeek_init", [])))
        assert recv_json(ws)["code"] == "not_allowed"
    out = srv.output()
    assert "got ping no" not in out and out.count("got ping ok 1") == 1
    assert out.count("listen T") == 1


def test_idle_clients_lose_their_slot(ws_cluster):
    """Connections that never subscribe are closed after the deadline; their slots come back."""
    from zscript.cluster.websocket.client import SUBSCRIBE_DEADLINE
    from zscript.cluster.websocket.server import MAX_CLIENTS

    srv = ws_cluster(worker=False)
    idle = []
    try:
        for _ in range(MAX_CLIENTS):
            sock = raw_handshake(srv.port)
            assert http_status(sock) == 101
            idle.append(sock)
        # Every slot is taken...
        with raw_handshake(srv.port) as sock:
            assert http_status(sock) == 503
        # ... until the deadline closes the idle ones (close frames arrive).
        t0 = time.monotonic()
        for sock in idle:
            sock.settimeout(SUBSCRIBE_DEADLINE + WAIT)
            assert sock.recv(64)[:1] == b"\x88"  # a close frame
        assert time.monotonic() - t0 < SUBSCRIBE_DEADLINE + WAIT
    finally:
        for sock in idle:
            sock.close()
    with srv.connect() as ws:
        assert srv.subscribe(ws, [])["type"] == "ack"
    st = wait_stats(srv, lambda st: st["subscribe_timeouts"] >= MAX_CLIENTS)
    assert st["subscribe_timeouts"] == MAX_CLIENTS


def test_oversized_topics_are_refused_and_the_proxy_survives(ws_cluster):
    srv = ws_cluster()
    # As a client's first message (no token): a 150 KB subscription.
    with srv.connect() as ws:
        ws.send(json.dumps(["A" * 150_000]))
        reply = recv_json(ws)
        assert reply["code"] == "limit_exceeded"
        assert closed_with(ws)[0] == 1008
    with srv.connect() as ws:
        ws.send(json.dumps([f"t{i}" for i in range(1001)]))
        assert recv_json(ws)["code"] == "limit_exceeded"
    with srv.connect() as ws:
        srv.subscribe(ws, ["zscript.test.ws.client.pong"])
        ws.send(json.dumps(data_message("B" * 150_000, "Test::ping", [s("x"), c(1)])))
        assert recv_json(ws)["code"] == "limit_exceeded"
    # As a raw ZeroMQ subscriber of the central proxy, from another process
    # (a subscription that long crashes libzmq in whichever process holds it).
    evil = (
        "import os, time, zmq\n"
        "ctx = zmq.Context(); s = ctx.socket(zmq.XSUB)\n"
        f"s.connect('tcp://127.0.0.1:{srv.cluster.xpub_port}')\n"
        "s.send(b'\\x01' + b'A' * 200000); time.sleep(1); os._exit(0)\n"
    )
    for _ in range(2):
        r = subprocess.run([sys.executable, "-c", evil], timeout=60, capture_output=True)
        assert r.returncode == 0, r.stderr
    time.sleep(1)
    assert srv.cluster.procs["manager"].poll() is None, srv.output()
    with srv.connect() as ws:
        srv.subscribe(ws, ["zscript.test.ws.client.pong"])
        ws.send(json.dumps(data_message("zscript.test.ws.manager", "Test::ping", [s("y"), c(1)])))
        assert recv_json(ws)["data"][2]["data"][1]["data"] == [s("y"), c(2)]
    assert srv.cluster.procs["worker-1"].poll() is None


def test_subscribers_that_reset_mid_stream_do_not_flood_stderr(ws_cluster):
    srv = ws_cluster(worker=False)
    for _ in range(4):
        sock = raw_handshake(srv.port)
        assert http_status(sock) == 101
        send_text_frame(sock, '["zscript.test.ws.client.slow"]')  # the manager floods it
        got = 0
        while got < 200_000:  # the ack and the first events
            got += len(sock.recv(65536))
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.close()  # RST, while the manager keeps writing
    srv.wait_for("lost ", count=4)
    time.sleep(2)
    err = srv.output()
    assert err.count("socket.send() raised exception") <= 6, err[-3000:]
    assert srv.cluster.procs["manager"].poll() is None


def test_library_logs_only_what_is_reported():
    """The server's logger (handed to the ``websockets`` library) is at
    WARNING, as its handler: at NOTSET the library would build a debug
    record for every frame, only for the handler to drop it."""
    import logging
    import types

    from zscript.cluster.websocket.options import ServerOptions
    from zscript.cluster.websocket.server import WebSocketServer

    warned = []
    sub = types.SimpleNamespace(
        host=types.SimpleNamespace(reporter=types.SimpleNamespace(warning=warned.append))
    )
    server = WebSocketServer(ServerOptions(listen_addr="127.0.0.1", listen_port=0), sub)
    logger = server._logger
    assert not logger.isEnabledFor(logging.DEBUG) and not logger.isEnabledFor(logging.INFO)
    logger.warning("disk on fire")
    assert warned == ["WebSocket: disk on fire"]
