"""``zscript cluster layout|start|status|stop``: the supervisor, run through the CLI.

Every test writes a layout with ports chosen free at run time (127.0.0.1
only) into its own directory and starts clusters with ``python -m zscript
cluster start``.  The ``run_dirs`` fixture stops whatever a test left running
(``zscript cluster stop``, then SIGKILL for any process still there), even
when the test fails.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path

import pytest
from clusterutil import free_ports
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect as ws_connect
from wsutil import run_zeekpy, self_signed_cert

from zscript.cli import _options_first, build_parser

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "examples" / "cluster" / "demo.zs"
WS_SCRIPT = ROOT / "tests" / "websocket" / "cluster.zs"
WAIT = 20.0
#: Generous bounds for whole commands (a cluster start on a loaded 2-core machine).
CMD_TIMEOUT = 180

DEFAULT_NODES = {
    "manager": "manager",
    "logger-1": "logger",
    "proxy-1": "proxy",
    "worker-1": "worker",
    "worker-2": "worker",
}

SCRIPT = """\
event zeek_init()
	{
	print fmt("init %s", Cluster::node);
	}

event zeek_done()
	{
	print fmt("zeek_done on %s", Cluster::node);
	}
"""


def write_layout(path: Path, nodes: dict[str, str]) -> Path:
    """A layout like the default one (or ``nodes``) on free ports."""
    ports = free_ports(2 + 2 * len(nodes))
    lines = ["[cluster]", f"xpub_port = {ports.pop()}", f"xsub_port = {ports.pop()}"]
    has_logger = "logger" in nodes.values()
    for name, kind in nodes.items():
        lines += ["", f"[nodes.{name}]", f'type = "{kind}"', 'host = "127.0.0.1"']
        if kind == "logger" or (kind == "manager" and not has_logger):
            lines.append(f"port = {ports.pop()}")
        lines.append(f"metrics_port = {ports.pop()}")
    path.write_text("\n".join(lines) + "\n")
    return path


def zscript(*args, cwd: Path, timeout: float = CMD_TIMEOUT) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "zscript", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def alive(pid: int) -> bool:
    """The process exists and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True
    return stat.rpartition(")")[2].split()[0] != "Z"


def wait_until(cond, what: str, timeout: float = WAIT):
    deadline = time.monotonic() + timeout
    while True:
        value = cond()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {what}")
        time.sleep(0.1)


def status(run_dir: Path, cwd: Path) -> dict:
    r = zscript("cluster", "status", "--json", "--run-dir", run_dir, cwd=cwd)
    return json.loads(r.stdout)


def by_name(st: dict) -> dict[str, dict]:
    return {n["name"]: n for n in st["nodes"]}


def all_pids(run_dir: Path) -> set[int]:
    try:
        state = json.loads((run_dir / "supervisor.json").read_text())
    except (OSError, ValueError):
        return set()
    pids = {state.get("pid")} | {n.get("pid") for n in state.get("nodes", {}).values()}
    return {p for p in pids if p}


@pytest.fixture
def run_dirs(tmp_path):
    """``run_dirs(name)`` -> a run directory; anything left running there is stopped."""
    made: list[Path] = []
    seen: set[int] = set()

    def make(name: str = "run") -> Path:
        d = tmp_path / name
        made.append(d)
        return d

    make.seen = seen
    yield make
    for d in made:
        seen |= all_pids(d)
        if any(alive(p) for p in all_pids(d)):
            zscript("cluster", "stop", "--run-dir", d, "--timeout", "5", cwd=tmp_path)
    for pid in seen:
        try:
            if alive(pid) and b"zscript" in Path(f"/proc/{pid}/cmdline").read_bytes():
                os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


# ---------------------------------------------------------------------- tests


def test_start_status_restart_and_clean_stop(tmp_path, run_dirs):
    layout = write_layout(tmp_path / "cluster.toml", DEFAULT_NODES)
    script = tmp_path / "s.zs"
    script.write_text(SCRIPT)
    rd = run_dirs()

    # Options before and after the scripts (zscript's options-anywhere rule).
    r = zscript("cluster", "start", "--run-dir", rd, script, "--layout", layout, cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    for name in DEFAULT_NODES:
        assert re.search(rf"^{name}\s+\w+\s+127\.0\.0\.1\s+up\s+\d+", r.stdout, re.M), r.stdout
    run_dirs.seen.update(all_pids(rd))

    st = status(rd, tmp_path)
    assert st["running"] and st["supervisor"]["alive"]
    nodes = by_name(st)
    assert set(nodes) == set(DEFAULT_NODES)
    for name, n in nodes.items():
        assert n["type"] == DEFAULT_NODES[name]
        assert n["state"] == "up" and n["restarts"] == 0
        assert alive(n["pid"])
        assert set(n["peers_up"]) == set(DEFAULT_NODES) - {name}
    table = zscript("cluster", "status", "--run-dir", rd, cwd=tmp_path)
    assert table.returncode == 0
    assert "RESTARTS" in table.stdout and str(nodes["worker-1"]["pid"]) in table.stdout

    # A second cluster in the same run directory is refused; the first one is untouched.
    again = zscript("cluster", "start", script, "--layout", layout, "--run-dir", rd, cwd=tmp_path)
    assert again.returncode == 1
    assert "already running" in again.stderr and "Traceback" not in again.stderr
    assert all(alive(n["pid"]) for n in nodes.values())

    # kill -9 a worker: the supervisor starts it again, and counts it.
    old = nodes["worker-1"]["pid"]
    os.kill(old, signal.SIGKILL)

    def restarted():
        w = by_name(status(rd, tmp_path))["worker-1"]
        ok = w["restarts"] == 1 and w["state"] == "up" and w["pid"] not in (None, old)
        return w if ok else None

    w = wait_until(restarted, "worker-1 restarted and up", timeout=60)
    run_dirs.seen.add(w["pid"])
    assert alive(w["pid"])
    assert "restart 1" in (rd / "worker-1" / "stderr").read_text()
    assert "worker-1 died (signal 9)" in (rd / "supervisor.log").read_text()

    # Stop: SIGTERM in order, zeek_done everywhere, nothing left running.
    pids = all_pids(rd)
    stop = zscript("cluster", "stop", "--run-dir", rd, cwd=tmp_path)
    assert stop.returncode == 0, stop.stdout + stop.stderr
    assert "stopped 5 nodes" in stop.stdout and "SIGKILL" not in stop.stdout
    for name in DEFAULT_NODES:
        out = (rd / name / "stdout").read_text()
        assert f"zeek_done on {name}" in out, (name, out)
    assert (rd / "worker-1" / "stdout").read_text().count("init worker-1") == 2
    for pid in pids | {old}:
        assert not alive(pid), pid
    log = (rd / "supervisor.log").read_text()
    order = [log.index(f"stopping {what}") for what in ("proxy-1, worker-1", "manager", "logger-1")]
    assert order == sorted(order), log

    after = zscript("cluster", "status", "--run-dir", rd, cwd=tmp_path)
    assert after.returncode == 1 and "no cluster is running" in after.stdout


def test_the_layout_switches_the_websocket_api_on_for_the_manager(tmp_path, run_dirs):
    """``websocket`` keys in the layout: the manager serves wss:// with the token
    from the supervisor's environment, and the unmodified zeekpy client publishes
    an event a worker handles and receives the event the worker publishes back."""
    cert, key = self_signed_cert(tmp_path)
    (ws_port,) = free_ports(1)
    layout = write_layout(tmp_path / "cluster.toml", {"manager": "manager", "worker-1": "worker"})
    ws_keys = (
        f"websocket = true\nwebsocket_port = {ws_port}\n"
        f'websocket_cert_file = "{cert}"\nwebsocket_key_file = "{key}"\n'
    )
    layout.write_text(layout.read_text().replace("[cluster]\n", "[cluster]\n" + ws_keys))
    shown = zscript("cluster", "layout", "--layout", layout, cwd=tmp_path)
    assert f'websocket = true\nwebsocket_host = "127.0.0.1"\nwebsocket_port = {ws_port}\n' in (
        shown.stdout
    )
    rd = run_dirs()
    r = subprocess.run(
        [sys.executable, "-m", "zscript", "cluster", "start", "--run-dir", rd, WS_SCRIPT]
        + ["--layout", layout],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=CMD_TIMEOUT,
        env=dict(os.environ, ZSCRIPT_WEBSOCKET_AUTH_TOKEN="t0k"),
    )
    assert r.returncode == 0, r.stdout + r.stderr
    run_dirs.seen.update(all_pids(rd))
    url = f"wss://127.0.0.1:{ws_port}/v1/messages/json"

    # TLS with the layout's certificate; no token, no connection.
    ctx = ssl.create_default_context(cafile=str(cert))
    with pytest.raises(InvalidStatus) as info:
        ws_connect(url, ssl=ctx, open_timeout=WAIT).close()
    assert info.value.response.status_code == 401

    # zeekpy as it is: the token as the URI's password, the CA from SSL_CERT_FILE.
    got = run_zeekpy(url.replace("wss://", "wss://zeek:t0k@"), env={"SSL_CERT_FILE": str(cert)})
    assert got["msg"] == "from zeekpy" and got["n"] == 42 and got["iv"] == 1.5
    assert got["endpoint"].startswith("zeromq_manager_")
    worker_out = (rd / "worker-1" / "stdout").read_text()
    assert "worker-1 got hello from zeekpy 41 " in worker_out
    manager_out = wait_until(
        lambda: (o := (rd / "manager" / "stdout").read_text()).count("lost ") and o,
        "the manager saw zeekpy go",
    )
    assert f"added {got['endpoint']} zeekpy-test [zscript.test.ws.client.zeekpy]" in manager_out
    assert "Traceback" not in (rd / "manager" / "stderr").read_text()

    stop = zscript("cluster", "stop", "--run-dir", rd, cwd=tmp_path)
    assert stop.returncode == 0, stop.stdout + stop.stderr


def test_a_manager_that_cannot_listen_for_websockets_fails_the_start(tmp_path, run_dirs):
    layout = write_layout(tmp_path / "cluster.toml", {"manager": "manager", "worker-1": "worker"})
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        ws_port = taken.getsockname()[1]
        text = layout.read_text().replace("[cluster]\n", f"[cluster]\nwebsocket_port = {ws_port}\n")
        layout.write_text(text)
        script = tmp_path / "s.zs"
        script.write_text(SCRIPT)
        rd = run_dirs()
        r = zscript("cluster", "start", script, "--layout", layout, "--run-dir", rd, cwd=tmp_path)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "node manager failed while starting" in r.stderr
    assert f"WebSocket: Unable to listen on 127.0.0.1:{ws_port}" in r.stderr
    assert "Traceback" not in r.stderr


def test_demo_ends_by_itself_in_the_foreground(tmp_path, run_dirs):
    layout = write_layout(tmp_path / "cluster.toml", DEFAULT_NODES)
    rd = run_dirs()
    r = zscript(
        "cluster", "start", "--foreground", DEMO, "--layout", layout, "--run-dir", rd, cwd=tmp_path
    )
    out = r.stdout
    assert r.returncode == 0, out + r.stderr
    assert "manager    | all 5 nodes are up; telling the workers to start" in out
    for w in ("worker-1", "worker-2"):
        assert f"manager    | {w} is done: it sent 30 connections" in out
        assert f"{w:<10} | batch 3 of 3" in out
        assert f"{w:<10} | done: sent 30 connections" in out  # its zeek_done
    rows = re.findall(r"^manager    \|\s+(\S+)\s+(\d+)\s+(\d+)\s+proxy-1\s+(\S+)$", out, re.M)
    assert len(rows) == 5 and sum(int(c) for _, c, _, _ in rows) == 60, out
    assert "all 60 connections from 2 workers were counted exactly once by 1 proxy" in out
    assert "supervisor | the manager finished: stopping the cluster" in out
    assert "MISMATCH" not in out and "did not finish" not in out
    # A clean run warns about nothing (nodes once saw their own subscriptions
    # withdrawn when the manager's proxy went, and called themselves unknown).
    assert "warning" not in out + r.stderr and "unknown node" not in out + r.stderr, r.stderr
    # The output went to the run directory as well.
    assert "counted exactly once" in (rd / "manager" / "stdout").read_text()
    st = json.loads((rd / "supervisor.json").read_text())
    assert st["phase"] == "finished"
    for pid in all_pids(rd):
        assert not alive(pid)


def test_foreground_stops_cleanly_on_sigterm(tmp_path, run_dirs):
    layout = write_layout(tmp_path / "cluster.toml", {"manager": "manager", "worker-1": "worker"})
    script = tmp_path / "s.zs"
    script.write_text(SCRIPT)
    rd = run_dirs()
    cmd = [sys.executable, "-m", "zscript", "cluster", "start", "--foreground"]
    cmd += ["--layout", str(layout), "--run-dir", str(rd), str(script)]
    p = subprocess.Popen(cmd, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        wait_until(
            lambda: (
                (json.loads((rd / "supervisor.json").read_text()).get("phase") == "running")
                if (rd / "supervisor.json").exists()
                else False
            ),
            "the cluster is up",
            timeout=60,
        )
        pids = all_pids(rd)
        p.send_signal(signal.SIGTERM)
        out, err = p.communicate(timeout=60)
    finally:
        if p.poll() is None:
            p.kill()
            p.communicate()
    text = out.decode()
    assert p.returncode == 0, text + err.decode()
    assert "manager    | zeek_done on manager" in text
    assert "worker-1   | zeek_done on worker-1" in text
    assert "supervisor | cluster stopped" in text
    for pid in pids:
        assert not alive(pid)


def test_stop_kills_a_node_that_does_not_stop_and_says_so(tmp_path, run_dirs):
    layout = write_layout(tmp_path / "cluster.toml", {"manager": "manager", "worker-1": "worker"})
    script = tmp_path / "hang.zs"
    script.write_text(
        'event zeek_done()\n\t{\n\tprint "stuck";\n\tif ( Cluster::node == "worker-1" )\n'
        "\t\twhile ( T ) { }\n\t}\n"
    )
    rd = run_dirs()
    r = zscript("cluster", "start", script, "--layout", layout, "--run-dir", rd, cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    pids = all_pids(rd)
    stop = zscript("cluster", "stop", "--run-dir", rd, "--timeout", "2", cwd=tmp_path)
    assert stop.returncode == 0, stop.stdout + stop.stderr
    assert re.search(
        r"killed worker-1 \(pid \d+\) with SIGKILL: it did not stop within 2 s", stop.stdout
    )
    assert "stuck" in (rd / "worker-1" / "stdout").read_text()
    st = by_name(status(rd, tmp_path))
    assert st["worker-1"]["state"] == "killed" and st["manager"]["state"] == "stopped"
    for pid in pids:
        assert not alive(pid)


def test_a_node_failing_at_start_stops_everything(tmp_path, run_dirs):
    layout = write_layout(tmp_path / "cluster.toml", {"manager": "manager", "worker-1": "worker"})
    script = tmp_path / "bad.zs"
    script.write_text('event zeek_init() { local x: count = "a"; }\n')
    rd = run_dirs()
    r = zscript("cluster", "start", script, "--layout", layout, "--run-dir", rd, cwd=tmp_path)
    assert r.returncode == 1
    assert "node manager failed while starting (exit status 1)" in r.stderr
    assert "type clash" in r.stderr  # the tail of its stderr
    assert "Traceback" not in r.stderr
    st = json.loads((rd / "supervisor.json").read_text())
    assert st["phase"] == "failed"
    wait_until(lambda: not any(alive(p) for p in all_pids(rd)), "every process gone")


def test_a_killed_supervisor_leaves_nodes_that_stop_can_still_stop(tmp_path, run_dirs):
    layout = write_layout(tmp_path / "cluster.toml", {"manager": "manager", "worker-1": "worker"})
    script = tmp_path / "s.zs"
    script.write_text(SCRIPT)
    rd = run_dirs()
    r = zscript("cluster", "start", script, "--layout", layout, "--run-dir", rd, cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    pids = all_pids(rd)
    sup = json.loads((rd / "supervisor.json").read_text())["pid"]
    os.kill(sup, signal.SIGKILL)
    wait_until(lambda: not alive(sup), "the supervisor is gone")
    st = status(rd, tmp_path)
    assert not st["running"]
    assert {n["state"] for n in st["nodes"]} == {"running (unsupervised)"}
    refused = zscript("cluster", "start", script, "--layout", layout, "--run-dir", rd, cwd=tmp_path)
    assert refused.returncode == 1 and "still running without a supervisor" in refused.stderr
    stop = zscript("cluster", "stop", "--run-dir", rd, cwd=tmp_path)
    assert stop.returncode == 0, stop.stdout + stop.stderr
    assert "supervisor of" in stop.stdout and "is gone" in stop.stdout
    for pid in pids:
        assert not alive(pid)
    assert "zeek_done on worker-1" in (rd / "worker-1" / "stdout").read_text()


@pytest.mark.parametrize(
    "text, message",
    [
        ("[cluster\n", "Expected ']'"),
        ("[cluster]\nxpub_port = 99999\n", "a port must be an integer between 1 and 65535"),
        ('[nodes.w]\ntype = "worker"\n', "exactly one manager"),
        ('[nodes.m]\ntype = "boss"\n', "type must be one of"),
        ("[nodes]\nm = 5\n", "[nodes.m]: must be a table"),
        ('cluster = 3\n[nodes.m]\ntype = "manager"\nport = 5000\n', "[cluster] must be a table"),
        ("[cluster]\nxpub_port = true\n", "a port must be an integer"),
        ('[nodes."a.b"]\ntype = "manager"\nport = 5000\n', "a node name may use only"),
        ("[cluster]\nwebsocket = 1\n", "[cluster] websocket: must be true or false"),
        ('[cluster]\nwebsocket_host = "::1"\n', "websocket_host: needs websocket = true"),
        (
            '[cluster]\nwebsocket = true\nwebsocket_cert_file = "c.pem"\n',
            "websocket_cert_file: must be an absolute path",
        ),
        # Script code in a host: the generated cluster-layout must not run it.
        (
            '[nodes.m]\ntype = "manager"\nport = 5000\n'
            'host = \'127.0.0.1"], ["evil"] = [$node_type=Cluster::WORKER, $ip=127.0.0.1\'\n',
            "[nodes.m] host: not an IP address",
        ),
        ('[nodes.m]\ntype = "manager"\nport = 5000\nhost = "example.org"\n', "not an IP address"),
        ("a = " + "[" * 1000 + "]" * 1000 + "\n", "nested too deeply"),
        (b'[cluster]\nserializer = "\xff"\n', "not UTF-8"),
        (
            f'[nodes.m]\ntype = "manager"\nport = 5000\n[nodes.{"w" * 500}]\ntype = "worker"\n',
            "a node name may have at most 100 characters",
        ),
    ],
)
def test_bad_layout_is_a_clear_error(tmp_path, text, message):
    layout = tmp_path / "bad.toml"
    if isinstance(text, bytes):
        layout.write_bytes(text)
    else:
        layout.write_text(text)
    script = tmp_path / "s.zs"
    script.write_text(SCRIPT)
    rd = tmp_path / "run"
    for args in (["start", script, "--run-dir", rd], ["layout"]):
        r = zscript("cluster", *args, "--layout", layout, cwd=tmp_path)
        assert r.returncode == 1
        assert r.stderr.startswith("error: ") and message in r.stderr, r.stderr
        assert "Traceback" not in r.stderr and len(r.stderr.splitlines()) == 1
    assert not (rd / "supervisor.json").exists()
    missing = zscript("cluster", "start", script, "--layout", tmp_path / "nope.toml", cwd=tmp_path)
    assert missing.returncode == 1 and "can't read layout" in missing.stderr


def test_layout_prints_the_default_layout_as_a_loadable_file(tmp_path):
    r = zscript("cluster", "layout", cwd=tmp_path)
    assert r.returncode == 0
    for name in DEFAULT_NODES:
        assert f"[nodes.{name}]" in r.stdout
    # What it prints is a layout file that reads back as the same layout.
    copy = tmp_path / "copy.toml"
    copy.write_text(r.stdout)
    again = zscript("cluster", "layout", "--layout", copy, cwd=tmp_path)
    assert again.returncode == 0 and again.stdout == r.stdout


def test_no_cluster_in_the_run_directory(tmp_path):
    for cmd in ("status", "stop"):
        r = zscript("cluster", cmd, "--run-dir", tmp_path / "empty", cwd=tmp_path)
        assert r.returncode == 1
        assert "no cluster is running" in r.stderr and "Traceback" not in r.stderr


@pytest.mark.parametrize(
    "argv",
    [
        ["cluster", "start", "--run-dir", "D", "a.zs", "--layout", "L", "b.zs", "--foreground"],
        ["cluster", "start", "a.zs", "--foreground", "b.zs", "--layout", "L", "--run-dir", "D"],
    ],
)
def test_cluster_options_go_anywhere(argv):
    args = build_parser().parse_args(_options_first(argv))
    assert args.scripts == ["a.zs", "b.zs"]
    assert (args.run_dir, args.layout, args.foreground) == ("D", "L", True)


UNKNOWN_EVENTS = """\
@if ( Cluster::node == "worker-1" )
# Declared on worker-1 only: the manager drops (and counts) every one it receives.
global only_on_worker: event(n: count);

event Cluster::node_up(name: string, id: string)
	{
	if ( name != "manager" )
		return;
	local i = 0;
	while ( i < 4 )
		{
		Cluster::publish(Cluster::manager_topic, only_on_worker, i);
		++i;
		}
	print "published 4";
	}
@endif
"""


def test_status_shows_each_nodes_drops_as_its_metrics_do(tmp_path, run_dirs):
    """Issue 3: every dropped message is counted per node, visible in a metric and
    in the supervisor's status (DROPS column, ``drops`` and the counters in --json)."""
    import tomllib
    import urllib.request

    from prometheus_client.parser import text_string_to_metric_families

    layout = write_layout(tmp_path / "cluster.toml", {"manager": "manager", "worker-1": "worker"})
    script = tmp_path / "unknown.zs"
    script.write_text(UNKNOWN_EVENTS)
    rd = run_dirs()
    r = zscript("cluster", "start", script, "--layout", layout, "--run-dir", rd, cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    run_dirs.seen.update(all_pids(rd))
    wait_until(lambda: "published 4" in (rd / "worker-1" / "stdout").read_text(), "published")

    st = wait_until(
        lambda: (s := by_name(status(rd, tmp_path)))["manager"]["drops"] == 4 and s,
        "the manager's status counts 4 drops",
    )
    mgr, wrk = st["manager"], st["worker-1"]
    assert mgr["unknown_events"] == 4 and mgr["malformed_total"] == 0
    for key in ("send_drops", "recv_drops", "format_mismatches", "log_send_drops"):
        assert mgr[key] == 0 and wrk[key] == 0, key
    assert wrk["drops"] == 0
    table = zscript("cluster", "status", "--run-dir", rd, cwd=tmp_path).stdout
    lines = table.splitlines()
    head = next(ln for ln in lines if ln.startswith("NODE"))
    col = head.index("DROPS")
    rows = {ln.split()[0]: ln for ln in lines if ln.split() and ln.split()[0] in st}
    assert rows["manager"][col:].split()[0] == "4", table
    assert rows["worker-1"][col:].split()[0] == "0", table

    # The same count in the manager's metrics (its layout metrics_port).
    port = tomllib.loads(layout.read_text())["nodes"]["manager"]["metrics_port"]
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=WAIT) as resp:
        text = resp.read().decode()
    got = {
        s.name: s.value
        for fam in text_string_to_metric_families(text)
        for s in fam.samples
        if s.labels.get("node") == "manager"
    }
    assert got["zscript_cluster_unknown_events_total"] == 4.0

    stop = zscript("cluster", "stop", "--run-dir", rd, cwd=tmp_path)
    assert stop.returncode == 0, stop.stdout + stop.stderr


def test_clean_stop_loses_no_log_record(tmp_path, run_dirs):
    """Everything every node logs, before and during zeek_done, is in the
    logger's file after ``zscript cluster stop`` (the loggers stop last, and
    drain what was sent to them first)."""
    layout = write_layout(tmp_path / "cluster.toml", DEFAULT_NODES)
    rd = run_dirs()
    script = ROOT / "tests" / "cluster" / "log_at_stop.zs"
    r = zscript("cluster", "start", "--run-dir", rd, script, "--layout", layout, cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    time.sleep(2)  # everyone logs for a while
    stop = zscript("cluster", "stop", "--run-dir", rd, cwd=tmp_path)
    assert stop.returncode == 0, stop.stdout + stop.stderr
    rows: dict[tuple[str, str], set[int]] = {}
    for line in (rd / "logger-1" / "stop.log").read_text().splitlines():
        if line.startswith("#"):
            continue
        node, phase, n = line.split("\t")
        rows.setdefault((node, phase), set()).add(int(n))
    for node in DEFAULT_NODES:
        out = (rd / node / "stdout").read_text()
        logged = int(re.findall(r"^logged (\d+)$", out, re.M)[-1])
        assert logged > 10, (node, out)
        assert rows.get((node, "run"), set()) == set(range(logged)), node
        assert rows.get((node, "done"), set()) == set(range(50)), node
