"""Broker's API between two real processes (``zscript/broker``).

Each test runs a listener and a connector of ``examples/broker/`` as two
``zscript run --bare`` processes on a port chosen free at run time and
compares what each printed with its golden file in
``examples/broker/expected/``; every process is stopped by the test.
Unit tests of the frames (:mod:`zscript.broker.wire`) come last.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest
from clusterutil import free_ports

from zscript.broker import wire
from zscript.broker.endpoint import BrokerEndpoint

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "broker"
TIMEOUT = 60


def _start(script: Path, cwd: Path, port: int) -> subprocess.Popen:
    env = dict(os.environ, BROKER_PORT=f"{port}/tcp")
    cwd.mkdir()
    return subprocess.Popen(
        [sys.executable, "-m", "zscript", "run", "--bare", str(script)],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_listening(port: int, proc: subprocess.Popen, timeout: float = TIMEOUT) -> None:
    """Wait until ``proc`` has bound ``port`` on 127.0.0.1 (without connecting
    to it), so that a connector started next finds it: a refused attempt is
    reported as PEER_UNAVAILABLE even while Broker retries."""
    import socket
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                return
        time.sleep(0.05)
    raise AssertionError(f"nothing listens on port {port} (exit status {proc.poll()})")


def _run_pair(tmp_path: Path, pattern: str) -> dict[str, tuple[str, str]]:
    return _run_scripts(
        tmp_path, {role: EXAMPLES / f"{pattern}-{role}.zs" for role in ("listener", "connector")}
    )


def _run_scripts(tmp_path: Path, scripts: dict[str, Path]) -> dict[str, tuple[str, str]]:
    """Run the listener and the connector on a free port; their (stdout, stderr)."""
    (port,) = free_ports(1)
    procs = {}
    try:
        for role, script in scripts.items():
            procs[role] = _start(script, tmp_path / role, port)
            if role == "listener":
                wait_listening(port, procs[role])
        return {role: p.communicate(timeout=TIMEOUT) for role, p in procs.items()}
    finally:
        for p in procs.values():
            if p.poll() is None:
                p.kill()
                p.wait()


@pytest.mark.parametrize("pattern", ["connecting", "events", "stores"])
def test_example_pair(tmp_path, pattern):
    results = _run_pair(tmp_path, pattern)
    for role, (out, err) in results.items():
        expected = (EXAMPLES / "expected" / f"{pattern}-{role}.out").read_text()
        assert out == expected, f"{role} printed:\n{out}\nstderr:\n{err}"
        assert "Traceback" not in err


def _rows(path: Path) -> list[str]:
    return [ln for ln in path.read_text().splitlines() if not ln.startswith("#")]


def test_remote_logs_reach_the_subscribed_peer(tmp_path):
    results = _run_pair(tmp_path, "logs")
    for _out, err in results.values():
        assert "error" not in err
    rows = ["hello\t1", "hello\t2", "hello\t3"]
    assert _rows(tmp_path / "connector" / "example.log") == rows
    assert _rows(tmp_path / "listener" / "example.log") == rows


def test_broker_log_records_peerings(tmp_path):
    _run_pair(tmp_path, "connecting")
    listener = (tmp_path / "listener" / "broker.log").read_text()
    connector = (tmp_path / "connector" / "broker.log").read_text()
    assert "Broker::STATUS\tpeer-added\t127.0.0.1" in listener
    assert "connection-terminated\t127.0.0.1" in listener
    assert "lost connection to remote peer" in listener
    assert "peer-removed\t127.0.0.1" in connector
    assert "removed connection to remote peer" in connector


def test_unpeer_unknown_peer_is_a_broker_error(tmp_path):
    r = _run_script(
        tmp_path,
        "event Broker::error(code: Broker::ErrorCode, msg: string) { print code, msg; }\n"
        'event zeek_init() { print Broker::unpeer("192.0.2.1", 1947/tcp); }\n',
    )
    assert r.stdout.splitlines() == [
        "F",
        "Broker::PEER_INVALID, (00000000-0000-0000-0000-000000000000, *192.0.2.1:1947, "
        '"cannot unpeer from unknown peer")',
    ]
    assert "Broker error (Broker::PEER_INVALID)" in r.stderr


def test_publish_rejects_a_cluster_event(tmp_path):
    r = _run_script(
        tmp_path,
        "global e1: event(n: count);\n"
        "event zeek_init() {\n"
        '  print Broker::publish("t", Cluster::make_event(e1, 1));\n'
        '  print Broker::publish("t", e1, "no");\n'
        '  print Broker::publish("t", Broker::make_event(e1, 2));\n'
        "}\n",
    )
    assert r.stdout.splitlines() == ["F", "F", "T"]
    assert "expected Broker::Event, got Cluster::Event" in r.stderr
    assert "type mismatch" in r.stderr


# ------------------------------------------------------------------ frames


def test_frames_round_trip():
    f = wire.message(wire.EVENT, "a/topic", b"payload")
    assert f[4] == wire.EVENT
    assert wire.split_topic(f[5:]) == ("a/topic", b"payload")
    h = wire.hello("id-1", 47, ["x", "y"])
    assert wire.parse_hello(h[5:]) == ("id-1", 47, ["x", "y"])


@pytest.mark.parametrize(
    "body", [b"", b"{", b'{"id": 1, "port": 2, "subs": []}', b'{"id": "x", "port": 1}']
)
def test_bad_hello_is_a_frame_error(body):
    with pytest.raises(wire.FrameError):
        wire.parse_hello(body)


def test_short_message_is_a_frame_error():
    with pytest.raises(wire.FrameError):
        wire.split_topic(b"\x00\x09abc")


def test_malformed_frames_are_counted_not_fatal():
    """A peer that sends garbage after its HELLO is dropped and counted; the
    endpoint keeps serving others."""

    async def scenario():
        ep = BrokerEndpoint()
        lost = []
        ep.on_peer_lost = lost.append
        pending = []
        ep.add_io = pending.append
        port = ep.listen("127.0.0.1", 0)
        aloop = asyncio.get_running_loop()
        for start in pending:
            start(aloop)
        await asyncio.sleep(0.05)
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(wire.hello("evil", 0, []))
        writer.write(wire.frame(0x7F, b"?"))  # unknown kind: counted
        writer.write(wire.frame(wire.EVENT, b"\x00"))  # no topic: counted
        writer.write(b"\xff\xff\xff\xff\x45")  # oversized frame: connection closed
        await writer.drain()
        await asyncio.wait_for(reader.read(), 5)  # the endpoint closes
        for _ in range(50):
            if lost:
                break
            await asyncio.sleep(0.02)
        ep.close()
        writer.close()
        return ep.malformed, [p.id for p in lost]

    malformed, lost = asyncio.run(scenario())
    assert malformed == 3
    assert lost == ["evil"]


# ---------------------------------------------------------------- data API


def _run_script(tmp_path: Path, text: str) -> subprocess.CompletedProcess:
    script = tmp_path / "data.zs"
    script.write_text(text)
    return subprocess.run(
        [sys.executable, "-m", "zscript", "run", "--bare", str(script)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )


def test_data_containers_change_in_place_and_convert(tmp_path):
    r = _run_script(
        tmp_path,
        """
type R: record { a: string; n: count &optional; };
event zeek_init() {
  local s = Broker::set_create();
  print Broker::set_insert(s, "b"), Broker::set_insert(s, "a"), Broker::set_insert(s, "a");
  print s, Broker::set_size(s), Broker::set_contains(s, "a"), s as set[string];
  print Broker::set_remove(s, "b"), Broker::set_remove(s, "b"), s;
  local t = Broker::table_create();
  print Broker::table_insert(t, "x", 1), Broker::table_insert(t, "x", 2);
  print (Broker::table_lookup(t, "x") as count), Broker::table_lookup(t, "y");
  print t as table[string] of count;
  local it = Broker::table_iterator(t);
  while ( ! Broker::table_iterator_last(it) ) {
    print Broker::table_iterator_value(it);
    Broker::table_iterator_next(it);
  }
  local v = Broker::vector_create();
  Broker::vector_insert(v, 0, 3);
  Broker::vector_insert(v, 0, 1);
  print v;
  print Broker::vector_replace(v, 1, 5);
  print Broker::vector_remove(v, 0);
  print v;
  local r = Broker::record_create(2);
  Broker::record_assign(r, 0, "hi");
  print r, r as R, Broker::record_lookup(r, 1);
  print Broker::data_type(Broker::data(1.5)), Broker::data_type(r);
  print (Broker::data(vector(1, 2)) as vector of count);
}
""",
    )
    assert r.stderr == ""
    assert r.stdout.splitlines() == [
        "T, T, F",
        "[data=broker::data{{a, b}}], 2, T, {",
        "a,",
        "b",
        "}",
        "T, F, [data=broker::data{{a}}]",
        "[data=<uninitialized>], [data=broker::data{1}]",
        "2, [data=<uninitialized>]",
        "{",
        "[x] = 2",
        "}",
        "[key=[data=broker::data{x}], val=[data=broker::data{2}]]",
        "[data=broker::data{(1, 3)}]",
        "[data=broker::data{3}]",
        "[data=broker::data{1}]",
        "[data=broker::data{(5)}]",
        "[data=broker::data{(hi, nil)}], [a=hi, n=<uninitialized>], [data=<uninitialized>]",
        "Broker::DOUBLE, Broker::VECTOR",
        "[1, 2]",
    ]


BROKER_STORE_COMMON = """
redef exit_only_after_terminate = T;
global t: table[string] of count &broker_store="tbl";
global s: set[string] &broker_store="st";
function broker_port(): port { return to_port(getenv("BROKER_PORT")); }
"""

BROKER_STORE_MASTER = """
global h1: opaque of Broker::Store;
global h2: opaque of Broker::Store;
event zeek_init() {
  t["before"] = 1;
  h1 = Broker::create_master("tbl");
  h2 = Broker::create_master("st");
  Broker::listen("127.0.0.1", broker_port());
}
event Broker::peer_added(endpoint: Broker::EndpointInfo, msg: string) {
  t["after"] = 2;
  add s["x"];
}
event Broker::peer_lost(endpoint: Broker::EndpointInfo, msg: string) { terminate(); }
"""

BROKER_STORE_CLONE = """
global h1: opaque of Broker::Store;
global h2: opaque of Broker::Store;
event zeek_init() { Broker::peer("127.0.0.1", broker_port(), 1sec); }
event show() {
  print t["before"], t["after"], "x" in s, |t|, |s|;
  when ( local r = Broker::get(h1, "after") ) { print r$result as count; terminate(); }
  timeout 5sec { print "timeout"; terminate(); }
}
event Broker::peer_added(endpoint: Broker::EndpointInfo, msg: string) {
  h1 = Broker::create_clone("tbl");
  h2 = Broker::create_clone("st");
  schedule 2sec { show() };
}
"""


def test_broker_store_tables_replicate_to_clones(tmp_path):
    scripts = {}
    for role, text in (("listener", BROKER_STORE_MASTER), ("connector", BROKER_STORE_CLONE)):
        scripts[role] = tmp_path / f"{role}.zs"
        scripts[role].write_text(BROKER_STORE_COMMON + text)
    out, err = _run_scripts(tmp_path, scripts)["connector"]
    assert out.splitlines() == ["1, 2, T, 2, 1", "2"], err


def test_broker_store_table_persists_in_sqlite(tmp_path):
    common = 'global t: table[string] of count &broker_store="persisted";\nglobal h: opaque of Broker::Store;\n'
    first = common + (
        'event zeek_init() { h = Broker::create_master("persisted", Broker::SQLITE);'
        ' t["a"] = 1; t["b"] = 2; delete t["a"]; }\n'
    )
    second = common + (
        'event zeek_init() { h = Broker::create_master("persisted", Broker::SQLITE); print t; }\n'
    )
    assert _run_script(tmp_path, first).returncode == 0
    assert (tmp_path / "persisted.sqlite").exists()
    r = _run_script(tmp_path, second)
    assert r.stdout.splitlines() == ["{", "[b] = 2", "}"], r.stderr


SQLITE_MASTER = """
redef Broker::log_stderr_severity_level = Broker::LOG_ERROR;
global t: table[string] of count &broker_store="kept";
global h: opaque of Broker::Store;
event zeek_init()
  {
  h = Broker::create_master("kept", Broker::SQLITE, Broker::BackendOptions(
      $sqlite=Broker::SQLiteOptions($path="kept.db", $failure_mode=Broker::%s)));
  if ( Broker::is_closed(h) )
    {
    print "closed";
    return;
    }
  print "open", |t|;
  t["x"] = 1;
  t["y"] = 2;
  }
"""


def _corrupt(path: Path) -> None:
    """Zero the header of the schema's b-tree page (SQLite: "malformed")."""
    with path.open("r+b") as f:
        f.seek(100)
        f.write(bytes(8))


def test_sqlite_store_that_cannot_be_opened_gives_a_closed_handle(tmp_path):
    script = SQLITE_MASTER % "SQLITE_FAILURE_MODE_FAIL"
    r = _run_script(tmp_path, script)
    assert r.stdout.splitlines() == ["open, 0"], r.stderr
    r = _run_script(tmp_path, script)
    assert r.stdout.splitlines() == ["open, 2"], r.stderr
    _corrupt(tmp_path / "kept.db")
    r = _run_script(tmp_path, script)
    assert r.stdout.splitlines() == ["closed"]
    err = r.stderr.splitlines()
    # Broker's own log line (log_stderr_severity_level asks for errors), then Zeek's two errors.
    assert err[0].startswith("[BROKER/error] sqlite: failed to open database kept.db: ")
    assert "malformed" in err[0]
    errors = [line for line in err if line.startswith("error in ")]
    assert len(errors) == 2
    assert "line 7, column 7: Failed to attach master store backend_failure:" in errors[0]
    assert "line 7, column 7: Could not create Broker master store 'kept'" in errors[1]
    assert r.returncode == 0


def test_sqlite_store_failure_mode_delete_starts_afresh(tmp_path):
    script = SQLITE_MASTER % "SQLITE_FAILURE_MODE_DELETE"
    assert _run_script(tmp_path, script).returncode == 0
    _corrupt(tmp_path / "kept.db")
    r = _run_script(tmp_path, script)
    assert r.stdout.splitlines() == ["open, 0"], r.stderr
    assert "malformed" in r.stderr and "error in" not in r.stderr
    r = _run_script(tmp_path, script)
    assert r.stdout.splitlines() == ["open, 2"], r.stderr


def test_sqlite_table_of_another_type_aborts_the_import(tmp_path):
    """A file written for other key types is not imported (Zeek's message), and
    the process stops before ``zeek_init``, whatever ZEEK_ALLOW_INIT_ERRORS says."""
    first = "global t: table[string] of count &backend=Broker::SQLITE;\n"
    first += 'event zeek_init() { t["b"] = 2; t["a"] = 1; }\n'
    assert _run_script(tmp_path, first).returncode == 0
    second = "global t: table[count] of count &backend=Broker::SQLITE;\n"
    second += 'event zeek_init() { print "started", t; }\n'
    env = dict(os.environ, ZEEK_ALLOW_INIT_ERRORS="1")
    script = tmp_path / "data.zs"
    script.write_text(second)
    r = subprocess.run(
        [sys.executable, "-m", "zscript", "run", "--bare", str(script)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env=env,
    )
    assert r.returncode == 1
    assert r.stdout == ""
    assert r.stderr.splitlines() == [
        'error: Failed to convert key "a" while importing broker store to table for store'
        ' "___sync_store_t". Aborting import.'
    ]


# ------------------------------------------------- Broker as cluster backend

CLUSTER_NODE_SCRIPT = """
@load frameworks/cluster/backend/broker
redef exit_only_after_terminate = T;
global counts: table[string] of count &backend=Broker::MEMORY;
global ping: event(from: string);
global stop: event();
global pings = 0;
event stop() { print Cluster::node, "sees", |counts|, "entries"; terminate(); }
event done() {
  print "manager sees", |counts|, "entries and", pings, "pings";
  Cluster::publish(Cluster::worker_topic, stop);
  terminate();
}
event ping(from: string) { if ( ++pings == 2 ) schedule 2sec { done() }; }
event Cluster::node_up(name: string, id: string) {
  if ( Cluster::local_node_type() == Cluster::WORKER && name == "manager" ) {
    counts[Cluster::node] = 1;
    Cluster::publish(Cluster::manager_topic, ping, Cluster::node);
  }
}
"""


def _run_broker_cluster(tmp_path: Path, text: str) -> dict[str, tuple[str, str]]:
    """Run ``text`` as a manager and two workers over Broker peerings (a
    cluster-layout.zeek on free ports); each node's (stdout, stderr)."""
    ports = free_ports(3)
    names = ("manager", "worker-1", "worker-2")
    rows = [
        f'["{name}"] = [$node_type=Cluster::{"MANAGER" if name == "manager" else "WORKER"},'
        f" $ip=127.0.0.1, $p={p}/tcp" + ("" if name == "manager" else ', $manager="manager"') + "]"
        for name, p in zip(names, ports, strict=True)
    ]
    (tmp_path / "cluster-layout.zeek").write_text(
        "redef Cluster::nodes = {\n" + ",\n".join(rows) + "\n};\n"
    )
    script = tmp_path / "node.zs"
    script.write_text(text)
    procs = {}
    try:
        for name in names:
            procs[name] = subprocess.Popen(
                [sys.executable, "-m", "zscript", "run", "--bare", str(script)],
                cwd=tmp_path,
                env=dict(os.environ, CLUSTER_NODE=name),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        return {name: p.communicate(timeout=TIMEOUT) for name, p in procs.items()}
    finally:
        for p in procs.values():
            if p.poll() is None:
                p.kill()
                p.wait()


def test_cluster_over_broker_peerings(tmp_path):
    """A cluster-layout.zeek with Broker as the backend: workers peer with the
    manager, node_up comes from the greeting, Cluster::publish reaches the
    manager, and &backend tables replicate through the manager's master."""
    results = _run_broker_cluster(tmp_path, CLUSTER_NODE_SCRIPT)
    assert results["manager"][0] == "manager sees, 2, entries and, 2, pings\n", results
    for worker in ("worker-1", "worker-2"):
        assert results[worker][0] == f"{worker}, sees, 2, entries\n", results


CONFIG_OVER_BROKER = """
@load frameworks/cluster/backend/broker
@load base/frameworks/config
@load policy/frameworks/cluster/experimental
redef exit_only_after_terminate = T;
export {
  option level = 1;
  option ports: set[count] = set();
}
global show: event(v: any);
global changes = 0;
event stop() { terminate(); }
event show(v: any) { print "received", v; }
function changed(id: string, v: any): any
  {
  print "changed", id, v;
  if ( Cluster::local_node_type() == Cluster::MANAGER && ++changes == 2 )
    schedule 2sec { stop() };
  return v;
  }
event zeek_init()
  {
  Option::set_change_handler("level", changed);
  Option::set_change_handler("ports", changed);
  }
event Cluster::Experimental::cluster_started()
  {
  if ( Cluster::node != "worker-1" )
    return;
  Config::set_value("level", 3);
  Config::set_value("ports", set(200));
  # A Broker::Event goes through Cluster::publish with the Broker backend.
  Cluster::publish(Cluster::manager_topic, Broker::make_event(show, set(30, 4, 200)));
  }
event Broker::peer_lost(endpoint: Broker::EndpointInfo, msg: string) { terminate(); }
"""


def test_config_changes_reach_every_node_over_broker(tmp_path):
    """The cluster starts (policy/frameworks/cluster/experimental over Broker),
    a worker changes two options with Config::set_value, every node's change
    handlers see the values (received as Broker data, converted by
    Option::set); a set received in an ``any`` prints in Broker's order
    (sent as a Broker::make_event through Cluster::publish)."""
    results = _run_broker_cluster(tmp_path, CONFIG_OVER_BROKER)
    expected = ["changed, level, 3", "changed, ports, {", "200", "}"]
    # The manager sends each change to every worker, the one that made it too.
    assert results["worker-1"][0].splitlines() == expected * 2, results
    assert results["worker-2"][0].splitlines() == expected, results
    manager = results["manager"][0].splitlines()
    assert manager[:4] == expected, results
    assert manager[4:] == ["received, [data=broker::data{{4, 30, 200}}]"], results


BROKER_METRICS = """
@load frameworks/cluster/backend/broker
@load policy/frameworks/cluster/experimental
redef exit_only_after_terminate = T;
event stop() { terminate(); }
event Cluster::Experimental::cluster_started()
  {
  if ( Cluster::local_node_type() != Cluster::MANAGER )
    return;
  for ( _, m in Telemetry::collect_metrics("zeek_broker_peer_buffer*", "*") )
    print m$opts$metric_type, m$opts$name, m$label_names, m$label_values, m$value;
  schedule 1sec { stop() };
  }
event Broker::peer_lost(endpoint: Broker::EndpointInfo, msg: string) { terminate(); }
"""


def test_broker_peering_metrics_name_the_nodes(tmp_path):
    """The Broker backend's peering metrics: one series per peer node,
    labelled with this node's and the peer's names; nothing waits in the
    buffers of an idle cluster and nothing overflowed."""
    out, err = _run_broker_cluster(tmp_path, BROKER_METRICS)["manager"]
    lines = out.splitlines()
    expected = [
        f"Telemetry::{kind}, zeek_broker_peer_buffer_{name}, [node, peer], [manager, {w}], 0.0"
        for kind, name in (
            ("COUNTER", "overflows_total"),
            ("GAUGE", "messages"),
            ("GAUGE", "recent_max_messages"),
        )
        for w in ("worker-1", "worker-2")
    ]
    assert sorted(lines) == sorted(expected), err
