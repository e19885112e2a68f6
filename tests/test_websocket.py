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
import json
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path

import pytest
from clusterutil import free_ports
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from zscript.cluster.websocket import layout_websocket_settings, websocket_config_script

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
        cl = local_cluster(nodes)
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


def test_zeekpy_client(ws_cluster):
    srv = ws_cluster()
    env = dict(os.environ, TZ="UTC")
    p = subprocess.run(
        [sys.executable, str(HERE / "zeekpy_client.py"), srv.url],
        env=env,
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert p.returncode == 0, p.stderr + srv.output() + srv.output("worker-1")
    got = json.loads(p.stdout.strip().splitlines()[-1])
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


def test_listen_checks_options(local_cluster):
    port, port2 = free_ports(2)
    cl = local_cluster({"manager": "manager"})
    cl.start_all([HERE / "listen.zs"], env={"WS_PORT": str(port), "WS_PORT2": str(port2)})
    out = cl.wait_for("manager", "done")
    lines = [ln for ln in out.splitlines() if not ln.startswith(("===", "error"))]
    assert lines[:4] == ["first, T", "again, T", "equal, T", "other, F"], out
    assert f"error: Already listening on 127.0.0.1:{port}" in out
    assert "no_key, F" in out and "error: Invalid tls_options: No key_file field" in out
    assert "no_cert, F" in out and "error: Invalid tls_options: No cert_file field" in out
    assert "missing_files, F" in out
    assert re.search(
        rf"error: WebSocket: Unable to listen on 127\.0\.0\.1:{port2}: .*No such file", out
    )
    assert "no_addr, F" in out and "error: missing listen_addr field" in out
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


def _self_signed_cert(tmp_path: Path) -> tuple[Path, Path]:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    try:
        from cryptography import x509  # noqa: F401
    except ImportError:
        openssl = shutil.which("openssl")
        if openssl is None:
            pytest.skip("needs the cryptography package or the openssl command to make a cert")
        subprocess.run(
            [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"]
            + ["-keyout", str(key), "-out", str(cert), "-subj", "/CN=localhost"]
            + ["-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
            check=True,
            capture_output=True,
            timeout=60,
        )
        return cert, key
    return _cert_with_cryptography(cert, key)


def _cert_with_cryptography(cert: Path, key: Path) -> tuple[Path, Path]:
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    k = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    crt = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(k.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .sign(k, hashes.SHA256())
    )
    key.write_bytes(
        k.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    cert.write_bytes(crt.public_bytes(serialization.Encoding.PEM))
    return cert, key


def test_tls(ws_cluster, tmp_path):
    cert, key = _self_signed_cert(tmp_path)
    srv = ws_cluster(scheme="wss", WS_CERT=str(cert), WS_KEY=str(key))
    ctx = ssl.create_default_context(cafile=str(cert))
    # A client speaking plain WebSocket to the TLS port fails; the server goes on.
    with pytest.raises(Exception):  # noqa: B017 - whatever the library makes of it
        connect(srv.url.replace("wss://", "ws://"), open_timeout=5).close()
    with srv.connect(ssl=ctx) as ws:
        assert srv.subscribe(ws, ["zscript.test.ws.client.pong"])["type"] == "ack"
        ws.send(json.dumps(data_message("zscript.test.ws.manager", "Test::ping", [s("tls"), c(1)])))
        assert recv_json(ws)["data"][2]["data"][1]["data"] == [s("tls"), c(2)]
    srv.wait_for("manager got ping tls 1")


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


def test_unresponsive_client_gets_ping_timeout(ws_cluster):
    from websockets.client import ClientProtocol
    from websockets.frames import Opcode
    from websockets.protocol import OPEN
    from websockets.uri import parse_uri

    srv = ws_cluster(worker=False, WS_PING="1")
    # A client that stops reading after its ack: it never answers a ping.
    proto = ClientProtocol(parse_uri(srv.url))
    with socket.create_connection(("127.0.0.1", srv.port), timeout=WAIT) as sock:

        def flush() -> None:
            for data in proto.data_to_send():
                sock.sendall(data)

        proto.send_request(proto.connect())
        flush()
        while proto.state is not OPEN:
            proto.receive_data(sock.recv(65536))
            proto.events_received()  # the handshake response
        proto.send_text(b"[]")
        flush()
        texts: list = []
        while not texts:
            proto.receive_data(sock.recv(65536))
            texts = [e for e in proto.events_received() if e.opcode is Opcode.TEXT]
        # From here on nothing is read or sent: pings stay unanswered.
        ack = json.loads(texts[0].data)
        assert ack["type"] == "ack"
        srv.wait_for(f"lost {ack['endpoint']} 1011 'Ping timeout'")
    wait_log(srv, r"gone with code 1011 and reason 'Ping timeout'")


def test_shutdown_closes_clients_with_1001(ws_cluster):
    import signal

    srv = ws_cluster(worker=False)
    with srv.connect() as ws:
        srv.subscribe(ws, [])
        srv.cluster.kill("manager", signal.SIGTERM)
        assert closed_with(ws) == (1001, "Terminating")
    assert srv.cluster.procs["manager"].returncode == 0


# ------------------------------------------------------------ layout


def test_layout_settings_and_config_script(local_cluster, tmp_path):
    assert layout_websocket_settings({}) is None
    assert layout_websocket_settings({"websocket_port": 27759}) == ("127.0.0.1", 27759)
    assert layout_websocket_settings({"websocket_port": 1, "websocket_host": "::1"}) == ("::1", 1)
    for bad in (
        {"websocket_port": 0},
        {"websocket_port": "27759"},
        {"websocket_host": "x"},
        {"websocket_port": 2, "websocket_host": "localhost"},
    ):
        with pytest.raises(ValueError, match="websocket_"):
            layout_websocket_settings(bad, "cluster.toml [cluster]")
    assert "$listen_addr=[::1]" in websocket_config_script("::1", 9)

    (port,) = free_ports(1)
    script = tmp_path / "ws-config.zs"
    script.write_text(websocket_config_script("127.0.0.1", port))
    cl = local_cluster({"manager": "manager", "worker-1": "worker"})
    cl.start_all(
        [script, HERE / "cluster.zs"], env={"WS_PORT": "0", "ZSCRIPT_WEBSOCKET_AUTH_TOKEN": "tok"}
    )
    cl.wait_for("manager", "node_up worker-1")
    cl.wait_for("worker-1", "node_up manager")
    with connect(
        f"ws://127.0.0.1:{port}/v1/messages/json",
        open_timeout=WAIT,
        additional_headers={"Authorization": "Bearer tok"},
    ) as ws:
        ws.send("[]")
        assert recv_json(ws)["type"] == "ack"
    assert "error" not in cl.output("worker-1")
