"""Telemetry: metric names and values, the script API, and real scrapes over HTTP.

In-process tests check the collectors (families, naming, the engine's
handler counts, the script API) without any server.  Process tests start
``zscript run`` (standalone, or a manager + logger + worker cluster through
``LocalCluster``, which gives every node a free metrics port) and scrape
``/metrics`` and ``/services.json`` with ``urllib``; the exposition is parsed
with prometheus-client's parser.  Every process a test starts is stopped
when it ends.
"""

from __future__ import annotations

import io
import json
import math
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from clusterutil import free_ports
from prometheus_client.parser import text_string_to_metric_families

from zscript.diagnostics import SourceFile
from zscript.host import Host
from zscript.telemetry.families import (
    MetricNameError,
    build_families,
    full_name,
    to_prometheus,
)
from zscript.telemetry.server import MetricsServer, services_json
from zscript.telemetry.sources import (
    cluster_source,
    log_source,
    log_transport_source,
    module_of,
)

HERE = Path(__file__).resolve().parent / "telemetry"
WAIT = 30.0


# ------------------------------------------------------------------ helpers


def run_host(text: str, *, virtual_time: bool = True) -> tuple[Host, str]:
    """Run a script in-process to completion; return the host and its output."""
    out = io.StringIO()
    host = Host(virtual_time=virtual_time, stdout=out)
    host.reporter.stream = out
    host.load_source(SourceFile("<test>", text))
    host.finish_loading()
    host.run()
    return host, out.getvalue()


def samples(text: str) -> dict[str, list[tuple[dict, float]]]:
    """Sample name -> [(labels, value)] of a Prometheus text exposition."""
    out: dict[str, list[tuple[dict, float]]] = {}
    for fam in text_string_to_metric_families(text):
        for s in fam.samples:
            out.setdefault(s.name, []).append((dict(s.labels), s.value))
    return out


def value(smp: dict, metric: str, /, **labels) -> float | None:
    """The value of sample ``metric`` whose labels include ``labels`` (None: absent)."""
    for lab, v in smp.get(metric, []):
        if all(lab.get(k) == x for k, x in labels.items()):
            return v
    return None


def get(port: int, path: str = "/metrics", *, timeout: float = WAIT) -> tuple[int, str, str]:
    """``(status, content type, body)`` of GET ``path``, retrying until the server answers."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=timeout) as r:
                return r.status, r.headers.get("Content-Type", ""), r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.headers.get("Content-Type", ""), e.read().decode()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def refused(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(5)
        return s.connect_ex(("127.0.0.1", port)) != 0


def listening_ports(pid: int) -> set[int]:
    """TCP ports process ``pid`` listens on (Linux ``/proc``)."""
    inodes = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            link = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if link.startswith("socket:["):
            inodes.add(link[8:-1])
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not os.path.exists(table):
            continue
        with open(table) as f:
            for line in f.readlines()[1:]:
                parts = line.split()
                if parts[3] == "0A" and parts[9] in inodes:  # 0A: LISTEN
                    ports.add(int(parts[1].rsplit(":", 1)[1], 16))
    return ports


class Standalone:
    """``zscript run standalone tests/telemetry/standalone.zs`` (stopped by :meth:`stop`)."""

    def __init__(self, tmp_path: Path, extra: str = ""):
        self.out = tmp_path / "standalone.out"
        self.err = tmp_path / "standalone.err"
        cmd = [sys.executable, "-m", "zscript", "run", "standalone", str(HERE / "standalone.zs")]
        if extra:
            cmd += ["-e", extra]
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        with open(self.out, "wb") as o, open(self.err, "wb") as e:
            self.proc = subprocess.Popen(cmd, stdout=o, stderr=e, cwd=tmp_path, env=env)

    def text(self, err: bool = False) -> str:
        return (self.err if err else self.out).read_text(errors="replace")

    def wait_for(self, text: str, *, err: bool = False, timeout: float = WAIT) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.text(err):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(
                    f"{text!r} not seen; out:\n{self.text()}\nerr:\n{self.text(True)}"
                )
            time.sleep(0.05)

    def ticks(self) -> int:
        return self.text().count("tick ")

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=WAIT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait()


@pytest.fixture
def standalone(tmp_path):
    made: list[Standalone] = []

    def start(extra: str = "") -> Standalone:
        p = Standalone(tmp_path, extra)
        made.append(p)
        return p

    yield start
    for p in made:
        p.stop()


# ------------------------------------------------------------ naming, families


def test_full_name_follows_zeek():
    assert full_name("zeek", "event-handler-invocations", counter=True) == (
        "zeek_event_handler_invocations_total"
    )
    assert full_name("system", "sensor_temperature", "celsius") == (
        "system_sensor_temperature_celsius"
    )
    assert full_name("btest", "a.b", "1") == "btest_a_b"
    for bad in (("zeek", "x_total", ""), ("zeek", "x", "total"), ("", "x", "")):
        with pytest.raises(MetricNameError):
            full_name(*bad)


def test_families_group_label_and_validate():
    problems = []
    batches = [
        [
            ("a_total", "counter", "A", {"k": "1"}, 2),
            ("b", "counter", "B", {}, 1),  # _total added
            ("g", "gauge", "G", [("x-y", "v")], 1.5),  # "-" in a label name becomes "_"
        ],
        [
            ("a_total", "counter", "A", {"k": "2"}, 3),
            ("a_total", "counter", "A", {"other": "2"}, 3),  # other label names: dropped
            ("g", "histogram", "G", {"x_y": "w"}, ([(math.inf, 1)], 1.0)),  # other kind
            ("h", "histogram", "H", {}, ([(1.0, 1), (math.inf, 3)], 7.5)),
            ("z", "summary", "Z", {}, 1),  # unknown kind: dropped
        ],
    ]
    fams = build_families(
        batches, node_label=("node", "worker-1"), problem=lambda n, m: problems.append(n)
    )
    by = {f.name: f for f in fams}
    assert sorted(by) == ["a_total", "b_total", "g", "h"]
    assert by["a_total"].label_names == ("k", "node")
    assert by["a_total"].samples == {("1", "worker-1"): 2.0, ("2", "worker-1"): 3.0}
    assert by["g"].samples == {("v", "worker-1"): 1.5}
    assert by["g"].label_names == ("x_y", "node")
    assert sorted(problems) == ["a_total", "g", "z"]

    text = b"".join(
        _expose(m) for m in to_prometheus(fams)
    ).decode()  # the exposition parses back to the same values
    smp = samples(text)
    assert value(smp, "a_total", k="2", node="worker-1") == 3.0
    assert value(smp, "b_total", node="worker-1") == 1.0
    assert value(smp, "h_bucket", le="1.0") == 1.0
    assert value(smp, "h_bucket", le="+Inf") == 3.0
    assert value(smp, "h_count") == 3.0
    assert value(smp, "h_sum") == 7.5


def _expose(metric) -> bytes:
    from prometheus_client import generate_latest

    class One:
        def collect(self):
            return [metric]

    return generate_latest(One())


def test_node_label_already_present_is_kept():
    fams = build_families([[("x", "gauge", "X", {"node": "mine"}, 1)]], node_label=("node", "n"))
    assert fams[0].label_names == ("node",)
    assert fams[0].samples == {("mine",): 1.0}


def test_services_json_shape():
    body = services_json([("127.0.0.1", 9991), ("::1", 9992)])
    assert body == b'[{"targets":["127.0.0.1:9991","[::1]:9992"],"labels":{}}]'


def test_cluster_and_log_sources():
    stats = {"events_in": 4, "events_out": 2, "format_mismatches": 1}
    got = {s[0]: s[4] for s in cluster_source(lambda: stats)()}
    assert got["zeek_cluster_core_incoming_events_total"] == 4
    assert got["zeek_cluster_core_outgoing_events_total"] == 2
    assert got["zeek_cluster_zeromq_xpub_drops_total"] == 0
    assert got["zeek_cluster_zeromq_onloop_drops_total"] == 0
    assert got["zeek_cluster_zeromq_msg_errors_total"] == 0
    assert got["zscript_cluster_format_mismatches_total"] == 1
    assert list(cluster_source(lambda: None)()) == []  # not in a cluster

    logs = {"log_send_drops": 5, "log_batches_sent": 2}
    got = {s[0]: s[4] for s in log_transport_source(lambda: logs)()}
    assert got == {"zscript_cluster_log_drops_total": 5, "zscript_cluster_log_msg_errors_total": 0}
    assert list(log_transport_source(lambda: None)()) == []  # no log transport

    counts = (
        [("Conn::LOG", 3), ("plain", 1)],
        [("Log::WRITER_ASCII", "Conn::LOG", "default", "conn", 3, 2, 1)],
    )
    rows = list(log_source(lambda: counts)())
    assert rows[0][0] == "zeek_log_stream_writes_total"
    assert rows[0][3] == {"module": "Conn", "stream": "Conn::LOG"}
    assert rows[1][3] == {"module": "GLOBAL", "stream": "plain"}
    assert rows[2][0] == "zeek_log_writer_writes_total"
    assert rows[2][3] == {
        "writer": "Log::WRITER_ASCII",
        "module": "Conn",
        "stream": "Conn::LOG",
        "filter_name": "default",
        "path": "conn",
    }
    # Values cut to the stream's limits, per writer, with the same labels.
    assert [(r[0], r[3], r[4]) for r in rows[3:]] == [
        ("zeek_log_writer_truncated_string_fields_total", rows[2][3], 2),
        ("zeek_log_writer_truncated_containers_total", rows[2][3], 1),
    ]
    assert module_of("A::B::LOG") == "A::B"


# ----------------------------------------------------------- in-process host


_EVENTS = """
@load base/frameworks/telemetry
global ev: event(i: count);
global unused: event();
global h: hook();
hook h() { }
event ev(i: count) { }
event zeek_init()
    {
    local i = 0;
    while ( i < 12 ) { event ev(i); ++i; }
    hook h();
    }
"""


def test_handler_invocations_count_dispatches():
    host, _ = run_host(_EVENTS)
    fams = {f.name: f for f in host.subsystems["telemetry"].collect()}
    inv = fams["zeek_event_handler_invocations_total"]
    assert inv.label_names == ("name",)  # standalone: no node label
    assert inv.samples[("ev",)] == 12.0
    assert inv.samples[("zeek_init",)] == 1.0
    assert ("unused",) not in inv.samples  # never raised
    assert ("h",) not in inv.samples  # hooks are not event handlers
    assert fams["zeek_timers_pending"].label_names == ("type",)
    assert set(fams["zeek_timers_pending"].samples.values()) == {0.0}
    assert ("ScheduleTimer",) in fams["zeek_timers_pending"].samples
    assert fams["zeek_pending_triggers"].samples == {(): 0.0}
    assert fams["zeek_triggers_total"].samples == {(): 0.0}
    for name in (
        "process_resident_memory_bytes",
        "process_virtual_memory_bytes",
        "process_cpu_user_seconds_total",
        "process_cpu_system_seconds_total",
        "process_open_fds",
        "process_start_time_seconds",
    ):
        assert name in fams, name
    start = fams["process_start_time_seconds"].samples[()]
    assert 0 < start <= time.time()
    assert not any(n.startswith("zeek_cluster_") for n in fams)  # not in a cluster


_LOG_WRITES = """
@load base/frameworks/logging
@load base/frameworks/telemetry
module Foo;
export {
    redef enum Log::ID += { LOG, OFF };
    type Info: record { n: count &log; };
}
global even_only: Log::PolicyHook;
hook even_only(rec: Info, id: Log::ID, filter: Log::Filter)
    {
    if ( rec$n % 2 == 1 )
        break;
    }
hook Log::log_stream_policy(rec: any, id: Log::ID)
    {
    if ( id == LOG && (rec as Info)$n == 0 )
        break;
    }
event zeek_init()
    {
    Log::create_stream(LOG, [$columns=Info, $path="foo"]);
    Log::add_filter(LOG, [$name="evens", $path="foo-evens", $policy=even_only]);
    Log::create_stream(OFF, [$columns=Info, $path="off"]);
    Log::disable_stream(OFF);
    local i = 0;
    while ( i < 5 )
        {
        Log::write(LOG, [$n=i]);
        Log::write(OFF, [$n=i]);
        ++i;
        }
    }
"""


def test_log_write_counts_follow_zeek(tmp_path, monkeypatch):
    # Zeek counts a stream write after the enabled check and before the policy
    # hooks, and a writer write only when no policy vetoed it.
    monkeypatch.chdir(tmp_path)
    host, _ = run_host(_LOG_WRITES)
    streams, writers = host.subsystems["logs"].write_counts()
    assert streams == [("Foo::LOG", 5)]  # OFF is disabled: never counted, no series
    assert sorted(writers) == [
        # n=0 vetoed by the stream hook, and odd ones by its filter; nothing truncated
        ("Log::WRITER_ASCII", "Foo::LOG", "default", "foo", 4, 0, 0),
        ("Log::WRITER_ASCII", "Foo::LOG", "evens", "foo-evens", 2, 0, 0),
    ]
    smp = samples(host.subsystems["telemetry"].exposition().decode())
    assert value(smp, "zeek_log_stream_writes_total", module="Foo", stream="Foo::LOG") == 5.0
    assert value(smp, "zeek_log_stream_writes_total", stream="Foo::OFF") is None
    w = value(smp, "zeek_log_writer_writes_total", filter_name="evens", path="foo-evens")
    assert w == 2.0
    lines = (tmp_path / "foo-evens.log").read_text().splitlines()
    assert len(lines) == 8 + 2 + 1  # header, the two rows, #close


def test_version_info_and_exposition_text():
    host, _ = run_host(_EVENTS)
    text = host.subsystems["telemetry"].exposition().decode()
    smp = samples(text)
    (labels, v), *_ = smp["zeek_version_info"]
    assert v == 1.0
    assert set(labels) == {
        "version_number",
        "major",
        "minor",
        "patch",
        "commit",
        "beta",
        "debug",
        "version_string",
    }
    assert value(smp, "zeek_event_handler_invocations_total", name="ev") == 12.0


def test_pending_timers_and_triggers_are_gauges():
    script = """
    @load base/frameworks/telemetry
    global x = 0;
    global later: event();
    global probe: event();
    event later() { }
    event probe()
        {
        for ( _, m in Telemetry::collect_metrics("zeek", "*t*") )
            if ( /timers|triggers/ in m$opts$name )
                print m$opts$name, m$label_values, m$value;
        }
    event zeek_init()
        {
        schedule 10sec { later() };
        schedule 20sec { later() };
        when ( x > 0 ) { print "never"; }
        when ( x > 1 ) { print "never"; } timeout 30sec { print "timed out"; }
        when ( x == 0 ) { print "at once"; }  # never waits: not counted
        event probe();
        }
    """
    host, out = run_host(script)
    # The two scheduled events and a when's timeout; two when triggers waiting.
    # And, as in Zeek, the log flush timer: the frameworks every process loads
    # (bare mode) create the cluster log stream in zeek_init.
    assert "zeek_timers_pending, [ScheduleTimer], 2.0" in out
    assert "zeek_timers_pending, [TriggerTimer], 1.0" in out
    assert "zeek_timers_pending, [LogFlushWriteBufferTimer], 1.0" in out
    assert "zeek_timers_pending, [RotateTimer], 0.0" in out
    assert "zeek_pending_triggers, [], 2.0" in out
    assert "zeek_triggers_total, [], 2.0" in out
    assert "zeek_timers_total, [], 4.0" in out
    assert "at once" in out and "timed out" in out
    # Afterwards: every timer ran (run() expires them all), counters never go down.
    fams = {f.name: f for f in host.subsystems["telemetry"].collect()}
    assert fams["zeek_timers_total"].samples[()] >= 3.0
    assert fams["zeek_triggers_total"].samples[()] == 2.0
    assert fams["zeek_timers_pending"].samples[("ScheduleTimer",)] == 0.0


def test_script_api_values():
    out = io.StringIO()
    host = Host(virtual_time=True, stdout=out)
    host.reporter.stream = out
    host.load_source(SourceFile(str(HERE / "api.zs"), (HERE / "api.zs").read_text()))
    host.finish_loading()
    host.run()
    lines = [ln for ln in out.getvalue().splitlines() if not ln.startswith("error")]
    assert lines == [
        "set lower, F",
        "Telemetry::COUNTER, btest_requests_total, [method, status_code], [GET, 200], 3.0",
        "Telemetry::COUNTER, btest_requests_total, [method, status_code], [POST, 500], 4.0",
        "Telemetry::GAUGE, system_sensor_temperature_celsius, [name], [cpu], 42.5",
        "Telemetry::GAUGE, system_sensor_temperature_celsius, [name], [gpu], -1.0",
        "zeek_telemetry_counter_usage_error_total, 1.0",
        "zeek, zeek_event_handler_invocations_total, [ev], 5.0",
        "zeek, zeek_event_handler_invocations_total, [work], 1.0",
        "zeek, zeek_event_handler_invocations_total, [zeek_done], 1.0",
        "zeek, zeek_event_handler_invocations_total, [zeek_init], 1.0",
        "btest_size_bytes, [10.0, 100.0, inf], [in], [1.0, 1.0, 1.0], 3.0, 555.0",
    ]
    errors = [ln for ln in out.getvalue().splitlines() if ln.startswith("error")]
    assert len(errors) == 2
    assert "Attempted to set lower counter value=0.5 cur_value=1.0" in errors[0]
    assert "Invalid label values expected 2, have 1" in errors[1]
    # The same values in the exposition.
    smp = samples(host.subsystems["telemetry"].exposition().decode())
    assert value(smp, "btest_requests_total", method="GET", status_code="200") == 3.0
    assert value(smp, "system_sensor_temperature_celsius", name="cpu") == 42.5
    assert value(smp, "btest_size_bytes_bucket", dir="in", le="100.0") == 2.0
    assert value(smp, "btest_size_bytes_count", dir="in") == 3.0


def test_a_failing_source_is_reported_once_and_skipped():
    host, _ = run_host("@load base/frameworks/telemetry\n")
    out = io.StringIO()
    host.reporter.stream = out
    tel = host.subsystems["telemetry"]

    def broken():
        raise RuntimeError("boom")

    tel.add_source(broken, "broken")
    tel.add_source(lambda: [("extra_thing", "gauge", "E", {}, 7)], "extra")
    for _ in range(2):
        fams = {f.name: f for f in tel.collect()}
        assert fams["extra_thing"].samples == {(): 7.0}
        assert "zeek_event_handler_invocations_total" in fams
    assert out.getvalue().count("metric source 'broken' failed: boom") == 1


def test_listen_with_port_zero_does_nothing():
    script = """
    @load base/frameworks/telemetry
    event zeek_init()
        {
        print Telemetry::listen_prometheus("127.0.0.1", 0/unknown, F);
        }
    """
    host, out = run_host(script)
    assert out.strip() == "F"
    assert host.subsystems["telemetry"].server is None


# ------------------------------------------------------------ the HTTP server


def test_metrics_server_paths_and_stop():
    (port,) = free_ports(1)
    srv = MetricsServer("127.0.0.1", port, lambda: b"x 1\n", services_json([("1.2.3.4", 5)]))
    srv.start()
    try:
        assert get(port, "/metrics") == (200, "text/plain; version=0.0.4; charset=utf-8", "x 1\n")
        status, ctype, body = get(port, "/services.json")
        assert (status, ctype) == (200, "application/json")
        assert json.loads(body) == [{"targets": ["1.2.3.4:5"], "labels": {}}]
        assert get(port, "/other")[0] == 404
        assert srv.stats() == (4, 1)  # bytes and scrapes of /metrics only
    finally:
        srv.stop()
    assert refused(port)

    srv = MetricsServer("127.0.0.1", port, lambda: b"", None)  # not a manager
    srv.start()
    try:
        assert get(port, "/services.json")[0] == 404
    finally:
        srv.stop()


# ------------------------------------------------------------ real processes


def test_standalone_serves_metrics_and_sync_hook(standalone):
    (port,) = free_ports(1)
    p = standalone(f"redef Telemetry::metrics_port = {port}/tcp;")
    p.wait_for("tick 2")
    status, ctype, body = get(port)
    assert status == 200 and ctype.startswith("text/plain; version=0.0.4")
    smp = samples(body)
    ticks = value(smp, "zeek_event_handler_invocations_total", name="tick")
    assert ticks is not None and ticks >= 2
    # Telemetry::sync ran just before this collection, on the event loop.
    assert value(smp, "test_ticks") == ticks
    assert all("node" not in lab for lab, _ in smp["zeek_timers_pending"])  # standalone
    assert get(port, "/services.json")[0] == 404  # not a manager
    p.wait_for(f"tick {int(ticks) + 2}")
    later = samples(get(port)[2])
    assert value(later, "zeek_event_handler_invocations_total", name="tick") > ticks
    assert value(later, "exposer_scrapes_total") >= 1
    if sys.platform.startswith("linux"):
        assert listening_ports(p.proc.pid) == {port}
    assert p.stop() == 0
    assert refused(port)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_standalone_without_metrics_port_listens_nowhere(standalone):
    p = standalone()
    p.wait_for("tick 3")
    assert listening_ports(p.proc.pid) == set()
    assert p.stop() == 0


def test_port_in_use_is_reported_and_node_keeps_running(standalone):
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        port = blocker.getsockname()[1]
        p = standalone(f"redef Telemetry::metrics_port = {port}/tcp;")
        p.wait_for("Failed to set up Prometheus endpoint", err=True)
        err = p.text(err=True)
        assert f"Attempted to bind to 127.0.0.1:{port}." in err
        assert "in use" in err
        n = p.ticks()
        p.wait_for(f"tick {n + 3}")  # still running
        assert p.proc.poll() is None
    p.stop()


_NODES = {"manager": "manager", "logger-1": "logger", "worker-1": "worker"}


def test_cluster_nodes_serve_their_own_metrics(local_cluster):
    c = local_cluster(_NODES)
    c.start_all([HERE / "cluster.zs"])
    c.wait_for("worker-1", "bursts done")
    c.wait_for("manager", "hello 3")
    scraped = {}
    for node, port in c.metrics_ports.items():
        status, _, body = get(port)
        assert status == 200, node
        smp = samples(body)
        scraped[node] = smp
        # Every sample carries this node's name, and only this node's.
        nodes = {lab.get("node") for series in smp.values() for lab, _ in series}
        assert nodes == {node}, node
        assert value(smp, "zeek_version_info") == 1.0
        assert value(smp, "process_open_fds") > 0
        assert value(smp, "zeek_event_handler_invocations_total", name="zeek_init") == 1.0
    worker, manager = scraped["worker-1"], scraped["manager"]
    # The worker raised Test::burst exactly 7 times, the manager got 3 hellos.
    assert value(worker, "zeek_event_handler_invocations_total", name="Test::burst") == 7.0
    assert value(manager, "zeek_event_handler_invocations_total", name="Test::hello") == 3.0
    assert value(manager, "zeek_event_handler_invocations_total", name="Test::burst") is None
    for smp in scraped.values():
        for name in (
            "zeek_cluster_zeromq_xpub_drops_total",
            "zeek_cluster_zeromq_onloop_drops_total",
            "zeek_cluster_zeromq_msg_errors_total",
            "zscript_cluster_format_mismatches_total",
        ):
            assert value(smp, name) == 0.0, name
    assert value(worker, "zeek_cluster_core_outgoing_events_total") >= 3
    assert value(manager, "zeek_cluster_core_incoming_events_total") >= 3

    # The worker keeps publishing Test::beat: the counters move.
    def counts():
        w, m = (
            samples(get(c.metrics_ports["worker-1"])[2]),
            samples(get(c.metrics_ports["manager"])[2]),
        )
        return (
            value(w, "zeek_cluster_core_outgoing_events_total"),
            value(m, "zeek_cluster_core_incoming_events_total"),
            value(m, "zeek_event_handler_invocations_total", name="Test::beat") or 0.0,
        )

    first = counts()
    deadline = time.monotonic() + WAIT
    while True:
        now = counts()
        if all(b > a for a, b in zip(first, now, strict=True)):
            break
        assert time.monotonic() < deadline, f"counters did not move: {first} -> {now}"
        time.sleep(0.2)


def test_services_json_on_the_manager_only(local_cluster):
    c = local_cluster(_NODES)
    c.start_all([HERE / "cluster.zs"])
    for node in _NODES:
        c.wait_for(node, f"ready {node}")
    status, ctype, body = get(c.metrics_ports["manager"], "/services.json")
    assert (status, ctype) == (200, "application/json")
    (group,) = json.loads(body)
    assert group["labels"] == {}
    assert sorted(group["targets"]) == sorted(f"127.0.0.1:{p}" for p in c.metrics_ports.values())
    for node in ("logger-1", "worker-1"):
        assert get(c.metrics_ports[node], "/services.json")[0] == 404
        assert get(c.metrics_ports[node], "/metrics")[0] == 200


def test_cluster_node_with_metrics_port_off(local_cluster, tmp_path):
    c = local_cluster({"manager": "manager", "worker-1": "worker"})
    off = tmp_path / "off.zs"
    off.write_text("redef Telemetry::metrics_port = 0/unknown;\n")
    c.start("manager", [HERE / "cluster.zs"])
    c.start("worker-1", [HERE / "cluster.zs", off])
    c.wait_for("manager", "hello 3")  # the worker's loop runs: it published after node_up
    assert get(c.metrics_ports["manager"])[0] == 200
    assert refused(c.metrics_ports["worker-1"])


def test_log_write_counters(local_cluster):
    c = local_cluster(_NODES)
    c.start_all([HERE / "cluster.zs"])
    c.wait_for("worker-1", "bursts done")
    c.wait_for("manager", "hello 3")
    worker = samples(get(c.metrics_ports["worker-1"])[2])
    manager = samples(get(c.metrics_ports["manager"])[2])
    assert value(worker, "zeek_log_stream_writes_total", module="Test", stream="Test::LOG") == 7.0
    assert value(manager, "zeek_log_stream_writes_total", module="Test", stream="Test::LOG") == 3.0
    w = value(
        worker,
        "zeek_log_writer_writes_total",
        writer="Log::WRITER_ASCII",
        module="Test",
        stream="Test::LOG",
        filter_name="default",
        path="test",
    )
    assert w == 7.0


# ------------------------------------------------- the whole picture

_FULL = {
    "manager": "manager",
    "logger-1": "logger",
    "proxy-1": "proxy",
    "worker-1": "worker",
    "worker-2": "worker",
}


def test_default_shaped_cluster_every_node_scraped(local_cluster):
    """The default layout's five roles, telemetry loaded by the cluster framework
    alone (cluster.zs has no @load): every node's /metrics over HTTP, parsed with
    prometheus-client, and the manager's /services.json listing all of them."""
    c = local_cluster(_FULL)
    c.start_all([HERE / "cluster.zs"])
    for w in ("worker-1", "worker-2"):
        c.wait_for(w, "bursts done")
    c.wait_for("manager", "hello 6")  # 3 from each worker
    # The logger's and the proxy's node_up may still be on their way.
    deadline = time.monotonic() + 10
    while (
        value(
            samples(get(c.metrics_ports["manager"])[2]),
            "zeek_event_handler_invocations_total",
            name="Cluster::node_up",
        )
        != 4.0
        and time.monotonic() < deadline
    ):
        time.sleep(0.1)
    scraped = {}
    for node, port in c.metrics_ports.items():
        status, ctype, body = get(port)
        assert (status, ctype) == (200, "text/plain; version=0.0.4; charset=utf-8"), node
        smp = scraped[node] = samples(body)
        assert {lab.get("node") for s in smp.values() for lab, _ in s} == {node}
        assert value(smp, "zeek_event_handler_invocations_total", name="zeek_init") == 1.0
        assert value(smp, "zeek_version_info") == 1.0
        for drops in (
            "zeek_cluster_zeromq_xpub_drops_total",
            "zeek_cluster_zeromq_onloop_drops_total",
            "zeek_cluster_zeromq_msg_errors_total",
            "zscript_cluster_format_mismatches_total",
            "zscript_cluster_unknown_events_total",
        ):
            assert value(smp, drops) == 0.0, (node, drops)
        assert value(smp, "zeek_cluster_core_incoming_events_total") > 0, node
        assert value(smp, "zeek_cluster_core_outgoing_events_total") > 0, node
    mgr = scraped["manager"]
    inv = "zeek_event_handler_invocations_total"
    # Handler counts are the events each node actually handled.
    assert value(mgr, inv, name="Test::hello") == 6.0
    assert c.output("manager").count("\nhello ") == 6
    for w in ("worker-1", "worker-2"):
        assert value(scraped[w], inv, name="Test::burst") == 7.0
        assert value(scraped[w], inv, name="Test::hello") is None
        assert value(scraped[w], "zeek_cluster_core_outgoing_events_total") >= 3
        assert value(scraped[w], "zeek_log_stream_writes_total", stream="Test::LOG") == 7.0
    for n in ("logger-1", "proxy-1"):
        assert value(scraped[n], inv, name="Test::burst") is None
    assert value(mgr, "zeek_event_handler_invocations_total", name="Cluster::node_up") == 4.0
    assert value(mgr, "zeek_cluster_core_incoming_events_total") >= 6
    assert value(mgr, "zeek_log_stream_writes_total", module="Test", stream="Test::LOG") == 6.0
    # /services.json: the manager's metrics endpoint and every other node's.
    status, ctype, body = get(c.metrics_ports["manager"], "/services.json")
    assert (status, ctype) == (200, "application/json")
    assert json.loads(body) == [
        {"targets": [f"127.0.0.1:{c.metrics_ports[n]}" for n in _FULL], "labels": {}}
    ]


def test_default_layout_metrics_ports_follow_zeekctl(tmp_path):
    """manager 9991, then 9992, ... in layout order, as ``zscript cluster layout`` prints."""
    import tomllib

    from zscript.cluster.layout import default_layout

    layout = default_layout()
    ports = [n.metrics_port for n in layout.nodes.values()]
    assert ports == list(range(9991, 9991 + len(ports)))
    assert next(iter(layout.nodes)) == "manager"
    r = subprocess.run(
        [sys.executable, "-m", "zscript", "cluster", "layout"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    assert r.returncode == 0, r.stderr
    printed = tomllib.loads(r.stdout)["nodes"]
    assert [(name, n["metrics_port"]) for name, n in printed.items()] == [
        ("manager", 9991),
        ("logger-1", 9992),
        ("proxy-1", 9993),
        ("worker-1", 9994),
        ("worker-2", 9995),
    ]
    # The cluster-layout script hands each node its port (Telemetry::metrics_port).
    script = layout.layout_script()
    assert "$metrics_port=9991/tcp" in script and "$metrics_port=9995/tcp" in script


def test_cluster_node_whose_metrics_port_is_taken_keeps_running(local_cluster):
    c = local_cluster({"manager": "manager", "worker-1": "worker"}, split_stderr=True)
    port = c.metrics_ports["worker-1"]
    with socket.socket() as blocker:
        blocker.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        blocker.bind(("127.0.0.1", port))
        blocker.listen()
        c.start_all([HERE / "cluster.zs"])
        c.wait_for("worker-1", "Failed to set up Prometheus endpoint", stream="err")
        assert f"Attempted to bind to 127.0.0.1:{port}." in c.output("worker-1", stream="err")
        # The worker runs on: its hellos and beats reach the manager.
        c.wait_for("manager", "hello 3")
        first = value(
            samples(get(c.metrics_ports["manager"])[2]),
            "zeek_event_handler_invocations_total",
            name="Test::beat",
        )
        deadline = time.monotonic() + WAIT
        while True:
            now = value(
                samples(get(c.metrics_ports["manager"])[2]),
                "zeek_event_handler_invocations_total",
                name="Test::beat",
            )
            if now and (first or 0) < now:
                break
            assert time.monotonic() < deadline, "no beats from the worker"
            time.sleep(0.2)
        assert c.running("worker-1")


def test_log_batches_to_a_missing_logger_are_counted(local_cluster, tmp_path):
    """Issue 3: every dropped message is counted per node, in its status and its
    metrics.  The layout has a logger that never starts; with a send queue of one
    batch and unbuffered writes, the nodes' log batches are dropped and counted."""
    drop = tmp_path / "drop.zs"
    drop.write_text(
        "redef Cluster::Backend::ZeroMQ::log_sndhwm = 1;\n"
        "event zeek_init() &priority=-10 { Log::set_buf(Test::LOG, F); }\n"
    )
    nodes = {"manager": "manager", "logger-1": "logger", "worker-1": "worker"}
    c = local_cluster(nodes, split_stderr=True, status=True)
    c.start("manager", [HERE / "cluster.zs", drop])
    c.start("worker-1", [HERE / "cluster.zs", drop])
    c.wait_for("worker-1", "bursts done")
    c.wait_for("manager", "hello 3")
    # 7 burst records, one batch each: all but what the queue holds are dropped.
    st = c.wait_status("worker-1", lambda s: s.get("log_send_drops", 0) >= 5)
    assert st["log_send_drops"] <= 8 and st["log_malformed"] == 0
    c.wait_status("manager", lambda s: s.get("log_send_drops", 0) >= 2)
    err = c.output("worker-1", stream="err")
    assert err.count("failed to send a log batch") == 1, err  # warned once, counted always
    for node in ("manager", "worker-1"):
        deadline = time.monotonic() + WAIT
        while True:  # the status file is rewritten every second: wait until both agree
            smp = samples(get(c.metrics_ports[node])[2])
            got = value(smp, "zscript_cluster_log_drops_total", node=node)
            st = c.status(node)
            if got is not None and got == st["log_send_drops"]:
                break
            assert time.monotonic() < deadline, (node, got, st)
            time.sleep(0.2)
        assert value(smp, "zscript_cluster_log_msg_errors_total", node=node) == 0.0


# ------------------------------------------------------------ hostile clients


def _hang_up_before_reading(port: int) -> None:
    """GET /metrics, then close at once (FIN, no RST): the answer hits a closed socket."""
    with socket.create_connection(("127.0.0.1", port), timeout=WAIT) as s:
        s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
        s.shutdown(socket.SHUT_RDWR)


def test_client_hanging_up_before_the_answer_does_not_kill_the_node(standalone):
    (port,) = free_ports(1)
    p = standalone(f"redef Telemetry::metrics_port = {port}/tcp;")
    p.wait_for("tick 2")
    assert get(port)[0] == 200
    for _ in range(5):
        _hang_up_before_reading(port)
        time.sleep(0.1)
    n = p.ticks()
    p.wait_for(f"tick {n + 2}")
    assert p.proc.poll() is None
    assert get(port)[0] == 200  # still serving
    assert "Traceback" not in p.text(err=True)
    assert p.stop() == 0


def _threads(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/task"))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_idle_connections_hold_no_thread_each(standalone):
    (port,) = free_ports(1)
    p = standalone(f"redef Telemetry::metrics_port = {port}/tcp;")
    p.wait_for("tick 2")
    assert get(port)[0] == 200
    before = _threads(p.proc.pid)
    idle = []
    try:
        for _ in range(150):
            idle.append(socket.create_connection(("127.0.0.1", port), timeout=WAIT))
        # Half of them send part of a request and stop.
        for s in idle[::2]:
            s.sendall(b"GET /metr")
        time.sleep(1.0)
        assert _threads(p.proc.pid) <= before + 4
        assert get(port)[0] == 200  # a well-behaved scraper is still served
    finally:
        for s in idle:
            s.close()
    assert p.stop() == 0
