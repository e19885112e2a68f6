"""Zeek's Supervisor framework: ``zscript run -j`` and ``Supervisor::create``.

A supervisor script starts a small ZeroMQ cluster (ports chosen free at run
time, 127.0.0.1 only); the tests check that the nodes find each other from
the ``cluster`` table alone (no layout), write where their NodeConfig says,
that output of a node without files comes through the supervisor as
``[node] line``, that a node killed is started again, and that SIGTERM to the
supervisor stops every node.  Every process is stopped by the test.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from zscript.testing.golden import free_ports

WAIT = 60.0

SCRIPT = """\
@load frameworks/cluster/backend/zeromq

redef Cluster::Backend::ZeroMQ::listen_xpub_endpoint = "tcp://127.0.0.1:{xpub}";
redef Cluster::Backend::ZeroMQ::listen_xsub_endpoint = "tcp://127.0.0.1:{xsub}";
redef Cluster::Backend::ZeroMQ::connect_xpub_endpoint = "tcp://127.0.0.1:{xsub}";
redef Cluster::Backend::ZeroMQ::connect_xsub_endpoint = "tcp://127.0.0.1:{xpub}";

@if ( Supervisor::is_supervisor() )
event Supervisor::node_status(node: string, pid: count)
	{{
	print fmt("started %s %d", node, pid);
	}}

event zeek_init()
	{{
	local cluster: table[string] of Supervisor::ClusterEndpoint = {{
		["manager"] = [$role=Supervisor::MANAGER, $host=127.0.0.1, $p=0/unknown],
		["logger"] = [$role=Supervisor::LOGGER, $host=127.0.0.1, $p={log}/tcp],
		["worker-1"] = [$role=Supervisor::WORKER, $host=127.0.0.1, $p=0/unknown],
	}};
	for ( n in cluster )
		{{
		local cfg = Supervisor::NodeConfig($name=n, $cluster=cluster, $directory=n,
			$bare_mode=T, $env=table(["NODE_GREETING"] = "hi " + n));
		if ( n != "worker-1" )
			{{
			cfg$stdout_file = "stdout";
			cfg$stderr_file = "stderr";
			}}
		print fmt("create %s: '%s'", n, Supervisor::create(cfg));
		}}
	print fmt("again: '%s'", Supervisor::create(Supervisor::NodeConfig($name="manager")));
	print fmt("spaces: '%s'", Supervisor::create(Supervisor::NodeConfig($name="a b")));
	print fmt("nodes: %d", |Supervisor::status()$nodes|);
	}}
@else
event zeek_init()
	{{
	print fmt("%s: supervised=%s name=%s type=%s env=%s", Cluster::node,
		Supervisor::is_supervised(), Supervisor::node()$name,
		Cluster::local_node_type(), getenv("NODE_GREETING"));
	}}

event Cluster::node_up(name: string, id: string)
	{{
	print fmt("%s: node_up %s", Cluster::node, name);
	}}

event zeek_done()
	{{
	print fmt("%s: done", Cluster::node);
	}}
@endif
"""


def _wait_for(path: Path, pattern: str, proc: subprocess.Popen, timeout: float = WAIT) -> str:
    deadline = time.monotonic() + timeout
    rx = re.compile(pattern, re.M)
    while time.monotonic() < deadline:
        text = path.read_text() if path.exists() else ""
        if rx.search(text):
            return text
        assert proc.poll() is None, f"supervisor ended ({proc.returncode}):\n{text}"
        time.sleep(0.1)
    raise AssertionError(f"no {pattern!r} in {path} within {timeout} s:\n{text}")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie of ours counts as gone.
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split()[2] != "Z"
    except OSError:
        return False


def _run(tmp_path: Path, name: str, text: str, *args: str) -> subprocess.CompletedProcess:
    """Run ``text`` as ``name`` in ``tmp_path`` with ``zscript run ARGS``, to its end."""
    (tmp_path / name).write_text(text)
    env = dict(os.environ, ZSCRIPT_ERROR_FORMAT="zeek")
    env.pop("CLUSTER_NODE", None)
    return subprocess.run(
        [sys.executable, "-m", "zscript", "run", *args, name],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def supervisor(tmp_path):
    xpub, xsub, log = free_ports(3)
    script = tmp_path / "sup.zeek"
    script.write_text(SCRIPT.format(xpub=xpub, xsub=xsub, log=log))
    env = dict(os.environ, ZSCRIPT_ERROR_FORMAT="zeek")
    env.pop("CLUSTER_NODE", None)
    with open(tmp_path / "out", "wb") as out, open(tmp_path / "err", "wb") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "zscript", "run", "-j", "sup.zeek"],
            cwd=tmp_path,
            env=env,
            stdout=out,
            stderr=err,
            start_new_session=True,
        )
    pids: list[int] = []
    try:
        yield tmp_path, proc, pids
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        for pid in pids:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)


def test_supervisor_runs_a_cluster_from_create(supervisor):
    d, proc, pids = supervisor
    out = d / "out"
    text = _wait_for(out, r"^nodes: 3$", proc)
    assert "create manager: ''" in text
    assert "again: 'node with name 'manager' already exists'" in text
    assert "spaces: 'node names must not contain spaces: 'a b''" in text

    # The nodes know each other from the cluster table alone.
    manager_out = d / "manager" / "stdout"
    _wait_for(manager_out, r"^manager: node_up logger$", proc)
    _wait_for(manager_out, r"^manager: node_up worker-1$", proc)
    first = manager_out.read_text().splitlines()[0]
    assert first == "manager: supervised=T name=manager type=Cluster::MANAGER env=hi manager"
    _wait_for(d / "logger" / "stdout", r"^logger: node_up worker-1$", proc)
    # worker-1 has no stdout_file: its lines come through the supervisor.
    text = _wait_for(out, r"^\[worker-1\] worker-1: node_up manager$", proc)
    assert "[worker-1] worker-1: supervised=T name=worker-1 type=Cluster::WORKER" in text
    started = dict(re.findall(r"^started (\S+) (\d+)$", text, re.M))
    assert set(started) == {"manager", "logger", "worker-1"}
    pids.extend(int(p) for p in started.values())

    # A node that dies is started again.
    os.kill(int(started["worker-1"]), signal.SIGKILL)
    text = _wait_for(out, r"^started worker-1 (?!" + started["worker-1"] + r"\b)\d+$", proc)
    again = re.findall(r"^started worker-1 (\d+)$", text, re.M)[-1]
    pids.append(int(again))
    _wait_for(manager_out, r"(?s)node_up worker-1.*node_up worker-1", proc)

    # SIGTERM to the supervisor stops every node, then the supervisor.
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=WAIT) == 0
    assert not [p for p in pids if _alive(p)]
    err = (d / "err").read_text()
    assert "[worker-1] received termination signal" in err
    for node in ("manager", "logger"):
        assert "received termination signal" in (d / node / "stderr").read_text()
        assert f"{node}: done" in (d / node / "stdout").read_text()
    assert "[worker-1] worker-1: done" in out.read_text()


def test_supervisor_functions_outside_a_supervisor(tmp_path):
    res = _run(
        tmp_path,
        "plain.zeek",
        "event zeek_init()\n"
        "\t{\n"
        "\tprint Supervisor::is_supervisor(), Supervisor::is_supervised();\n"
        '\tprint Supervisor::create(Supervisor::NodeConfig($name="x"));\n'
        "\tprint Supervisor::node()$name;\n"
        "\tprint |Supervisor::status()$nodes|;\n"
        "\t}\n",
    )
    assert res.stdout.splitlines() == ["F, F", "supervisor mode not enabled", "<invalid>", "0"]
    # Zeek's messages (supervisor.bif); each names the call it comes from.
    errors = [re.sub(r" \(.*\)$", "", e.split(": ", 1)[1]) for e in res.stderr.splitlines()]
    assert errors == [
        "supervisor mode not enabled",
        "not a supervised process",
        "supervisor mode not enabled",
    ]


RESTART = """\
@if ( Supervisor::is_supervisor() )
global starts = 0;

event Supervisor::node_status(node: string, pid: count)
	{
	++starts;
	print fmt("started %s (%d)", node, starts);
	print fmt("pid %d", pid);
	local st = Supervisor::status(node);
	print "running", st$nodes[node]?$pid;
	if ( starts == 1 )
		print "restart", Supervisor::restart(node), Supervisor::restart("nobody");
	else
		{
		print "destroy", Supervisor::destroy(node), |Supervisor::status()$nodes|;
		print "again", Supervisor::destroy(node);
		terminate();
		}
	}

event zeek_init()
	{
	print Supervisor::create(Supervisor::NodeConfig($name="sleeper", $directory="sleeper",
		$stdout_file="stdout", $stderr_file="stderr"));
	}
@else
redef exit_only_after_terminate = T;
@endif
"""


def test_restart_and_destroy(tmp_path):
    res = _run(tmp_path, "restart.zeek", RESTART, "-j")
    lines = res.stdout.splitlines()
    pids = [int(x.split()[1]) for x in lines if x.startswith("pid ")]
    assert [x for x in lines if not x.startswith("pid ")] == [
        "",
        "started sleeper (1)",
        "running, T",
        "restart, T, F",
        "started sleeper (2)",
        "running, T",
        "destroy, T, 0",
        "again, F",
    ], res.stderr
    # Both runs of the node were stopped before the supervisor ended.
    assert len(set(pids)) == 2
    assert not [p for p in pids if _alive(p)]


PLAIN = """\
@if ( Supervisor::is_supervisor() )
event check()
	{
	if ( file_size("solo/out") > 0 )
		terminate();
	else
		schedule 0.1sec { check() };
	}

event zeek_init()
	{
	print Supervisor::create([$name="solo", $directory="solo", $stdout_file="out", $stderr_file="err"]);
	event check();
	}
@else
event zeek_init()
	{
	print "up", Supervisor::node()$name, Cluster::node, Cluster::is_enabled();
	}
@endif
"""


def test_a_node_without_a_cluster_table_is_no_cluster_node(tmp_path):
    res = _run(tmp_path, "plain.zeek", PLAIN, "-j")
    assert res.returncode == 0, res.stderr
    assert (tmp_path / "solo" / "out").read_text() == "up, solo, , F\n"
