"""WebSocket clients of a node whose cluster backend is Broker.

A manager and a worker peer over Broker (a ``cluster-layout.zeek`` that
loads ``frameworks/cluster/backend/broker``, ports chosen free at run time);
the manager serves two WebSocket clients.  Each client's backend is a hub
on the manager's endpoint (Zeek's WebSocketShim), so:

* what a client publishes reaches the manager (if subscribed), the other
  client (if subscribed), the worker over the peering, never the client;
* what the manager publishes reaches the clients subscribed;
* what the worker publishes on a client's topic reaches that client, since
  the client's subscriptions are the manager endpoint's.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time

from clusterutil import free_ports
from test_websocket import WAIT, c, data_message, recv_json, s
from websockets.sync.client import connect

LAYOUT = """\
@load frameworks/cluster/backend/broker
redef Broker::disable_ssl = T;
redef Cluster::nodes = {{
	["manager"] = [$node_type=Cluster::MANAGER, $ip=127.0.0.1, $p={manager}/tcp],
	["worker-1"] = [$node_type=Cluster::WORKER, $ip=127.0.0.1, $p={worker}/tcp, $manager="manager"],
}};
"""

SCRIPT = """\
global ping: event(msg: string, n: count);
global pong: event(msg: string, n: count);

@if ( Cluster::local_node_type() == Cluster::MANAGER )
event zeek_init()
	{
	Cluster::subscribe("/test/node/");
	Cluster::listen_websocket([$listen_addr=127.0.0.1, $listen_port={ws}/tcp]);
	}

event Cluster::node_up(name: string, id: string)
	{
	print "up", name;
	}

event Cluster::websocket_client_added(info: Cluster::EndpointInfo, subscriptions: string_vec)
	{
	print "added", subscriptions;
	}

event ping(msg: string, n: count)
	{
	print "manager got", msg, n;
	Cluster::publish("/test/a/", pong, msg, n + 100);
	}
@else
event zeek_init()
	{
	Cluster::subscribe("/test/w/");
	}

event ping(msg: string, n: count)
	{
	print "worker got", msg, n;
	Cluster::publish("/test/a/", pong, msg, n + 200);
	}
@endif
"""


def _event(msg: dict) -> tuple:
    name, args = msg["data"][2]["data"]
    return msg["topic"], name["data"], tuple(a["data"] for a in args["data"])


def _wait_for(path, text: str, proc) -> None:
    deadline = time.monotonic() + WAIT * 3
    while text not in path.read_text():
        assert proc.poll() is None, path.read_text()
        assert time.monotonic() < deadline, path.read_text()
        time.sleep(0.1)


def _start_standalone(tmp_path, name: str, text: str):
    """Run ``text`` (its ``{ws}`` a free port) as a standalone process:
    (process, its output file, the WebSocket URL)."""
    (ws_port,) = free_ports(1)
    script = tmp_path / name
    script.write_text(text.replace("{ws}", str(ws_port)))
    out = tmp_path / "out"
    with open(out, "wb") as f:
        proc = subprocess.Popen(
            [sys.executable, "-m", "zscript", "run", "--bare", str(script)],
            cwd=tmp_path,
            env=dict(os.environ, PYTHONUNBUFFERED="1"),
            stdout=f,
            stderr=subprocess.STDOUT,
        )
    return proc, out, f"ws://127.0.0.1:{ws_port}/v1/messages/json"


def _stop(procs) -> None:
    """SIGTERM to each process still running; SIGKILL if it does not end."""
    procs = list(procs)
    for p in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    for p in procs:
        try:
            p.wait(timeout=WAIT)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def _connect(url: str, proc, out):
    """A client connection, once the process listens."""
    deadline = time.monotonic() + WAIT
    while True:
        try:
            return connect(url, open_timeout=WAIT)
        except OSError:
            assert proc.poll() is None and time.monotonic() < deadline, out.read_text()
            time.sleep(0.1)


def test_websocket_clients_under_the_broker_backend(tmp_path):
    manager_port, worker_port, ws_port = free_ports(3)
    (tmp_path / "cluster-layout.zeek").write_text(
        LAYOUT.format(manager=manager_port, worker=worker_port)
    )
    script = tmp_path / "node.zeek"
    script.write_text(SCRIPT.replace("{ws}", str(ws_port)))
    procs = {}
    try:
        for node in ("manager", "worker-1"):
            with open(tmp_path / node, "wb") as out:
                procs[node] = subprocess.Popen(
                    [sys.executable, "-m", "zscript", "run", "--bare", str(script)],
                    cwd=tmp_path,
                    env=dict(os.environ, CLUSTER_NODE=node, PYTHONUNBUFFERED="1"),
                    stdout=out,
                    stderr=subprocess.STDOUT,
                )
        manager_out = tmp_path / "manager"
        _wait_for(manager_out, "up, worker-1", procs["manager"])
        url = f"ws://127.0.0.1:{ws_port}/v1/messages/json"
        with connect(url, open_timeout=WAIT) as a, connect(url, open_timeout=WAIT) as b:
            a.send('["/test/a/"]')
            assert recv_json(a)["type"] == "ack"
            b.send('["/test/b/"]')
            assert recv_json(b)["type"] == "ack"

            # Client -> the other client (not back to itself, not the manager).
            a.send(json.dumps(data_message("/test/b/", "ping", [s("to b"), c(1)])))
            assert _event(recv_json(b)) == ("/test/b/", "ping", ("to b", 1))
            # Client -> manager; manager -> client.
            a.send(json.dumps(data_message("/test/node/", "ping", [s("to manager"), c(2)])))
            assert _event(recv_json(a)) == ("/test/a/", "pong", ("to manager", 102))
            # Client -> worker over the peering; worker -> client through
            # the manager's endpoint.
            a.send(json.dumps(data_message("/test/w/", "ping", [s("to worker"), c(3)])))
            assert _event(recv_json(a)) == ("/test/a/", "pong", ("to worker", 203))
        _wait_for(tmp_path / "worker-1", "worker got, to worker, 3", procs["worker-1"])
        text = manager_out.read_text()
        assert "manager got, to manager, 2" in text
        assert "to b" not in text and "to worker" not in text
        assert "Traceback" not in text
    finally:
        _stop(procs.values())


STANDALONE = """\
@load frameworks/cluster/backend/broker

global ping: event(msg: string, n: count);

event zeek_init()
	{
	Cluster::subscribe("/test/node/");
	Cluster::listen_websocket([$listen_addr=127.0.0.1, $listen_port={ws}/tcp]);
	}

event ping(msg: string, n: count)
	{
	print "got", msg, n;
	Cluster::publish("/test/a/", ping, msg, n + 1);
	}
"""


def test_standalone_process_serves_clients_over_broker(tmp_path):
    """No cluster node and no Cluster::init(): the process's Broker endpoint
    still serves its WebSocket clients, as Zeek's Broker manager does."""
    proc, out, url = _start_standalone(tmp_path, "standalone.zeek", STANDALONE)
    try:
        ws = _connect(url, proc, out)
        with ws:
            ws.send('["/test/a/"]')
            assert recv_json(ws)["type"] == "ack"
            ws.send(json.dumps(data_message("/test/node/", "ping", [s("x"), c(1)])))
            assert _event(recv_json(ws)) == ("/test/a/", "ping", ("x", 2))
        assert "got, x, 1" in out.read_text()
    finally:
        _stop([proc])
    assert "Traceback" not in out.read_text()


FLOOD = """\
@load frameworks/cluster/backend/broker
redef exit_only_after_terminate = T;

global ping: event(msg: string, n: count);
global pings = 0;

event zeek_init()
	{
	Cluster::subscribe("/test/node/");
	Cluster::listen_websocket([$listen_addr=127.0.0.1, $listen_port={ws}/tcp]);
	}

event ping(msg: string, n: count)
	{
	if ( ++pings == 300 )
		terminate();
	}
"""


def test_clients_sending_at_shutdown_get_the_close_frame(tmp_path):
    """Clients that keep sending while the node shuts down are closed with
    1001 (a clean close), not reset: the node reads what they still send
    until they close too."""
    proc, out, url = _start_standalone(tmp_path, "flood.zeek", FLOOD)
    try:
        stack = contextlib.ExitStack()
        clients = [stack.enter_context(_connect(url, proc, out)) for _ in range(2)]
        with stack:
            _flood_until_closed(clients, out)
        assert proc.wait(timeout=WAIT) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def _flood_until_closed(clients, out) -> None:
    """Send pings from every client until the node closes each; check how."""
    from websockets.exceptions import ConnectionClosed, ConnectionClosedOK

    for ws in clients:
        ws.send("[]")
        assert recv_json(ws)["type"] == "ack"
    msg = json.dumps(data_message("/test/node/", "ping", [s("x"), c(1)]))
    closed = {}
    deadline = time.monotonic() + WAIT * 3
    while len(closed) < len(clients) and time.monotonic() < deadline:
        for i, ws in enumerate(clients):
            if i in closed:
                continue
            try:
                ws.send(msg)
            except ConnectionClosed as e:
                closed[i] = e
    assert len(closed) == 2, out.read_text()
    for e in closed.values():
        assert isinstance(e, ConnectionClosedOK), repr(e)
        assert (e.rcvd.code, e.rcvd.reason) == (1001, "Terminating")
