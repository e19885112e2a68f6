"""A cluster over several hosts, played on one machine with 127.0.0.x addresses.

A layout puts the manager and the logger on 127.0.0.1 and a proxy and a
worker on 127.0.0.2; each "host" is started with ``zscript cluster start
--host ADDR`` in a run directory of its own, as on two machines.  The
network-namespace version with real separate hosts is
``tests/test_cluster_hosts_netns.py``.  Ports are chosen free at run time; the
``run_dirs`` fixture of ``test_supervisor`` stops whatever a test left running.
"""

from __future__ import annotations

import json
import os
import socket
import urllib.request
from pathlib import Path

import pytest
from clusterutil import free_ports
from test_supervisor import by_name, run_dirs, status, wait_until, zscript  # noqa: F401

from zscript.cluster.hosts import is_local_address, resolve_host, select_nodes
from zscript.cluster.layout import LayoutError, load_layout

SCRIPT = """\
event Cluster::node_up(name: string, id: string)
	{
	print fmt("node_up %s", name);
	}

event Cluster::node_down(name: string, id: string)
	{
	print fmt("node_down %s", name);
	}
"""

#: node -> (type, host)
TWO_HOSTS = {
    "manager": ("manager", "127.0.0.1"),
    "logger-1": ("logger", "127.0.0.1"),
    "proxy-1": ("proxy", "127.0.0.2"),
    "worker-1": ("worker", "127.0.0.2"),
}


def write_layout(path: Path, nodes: dict[str, tuple[str, str]]) -> tuple[Path, dict[str, int]]:
    """A layout of ``nodes`` on free ports; (file, metrics port by node)."""
    ports = free_ports(3 + len(nodes))
    lines = ["[cluster]", f"xpub_port = {ports.pop()}", f"xsub_port = {ports.pop()}"]
    metrics = {}
    loggers = any(kind == "logger" for kind, _ in nodes.values())
    for name, (kind, host) in nodes.items():
        lines += ["", f"[nodes.{name}]", f'type = "{kind}"', f'host = "{host}"']
        if kind == "logger" or (kind == "manager" and not loggers):
            lines.append(f"port = {ports.pop()}")
        metrics[name] = ports.pop()
        lines.append(f"metrics_port = {metrics[name]}")
    path.write_text("\n".join(lines) + "\n")
    return path, metrics


def get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=5) as r:
        return r.read()


# ------------------------------------------------------------ which nodes run here


def test_local_addresses_are_told_apart():
    assert is_local_address("127.0.0.1")
    assert is_local_address("127.0.0.2")  # all of 127.0.0.0/8 is this host's
    assert not is_local_address("198.51.100.1")  # TEST-NET-2: documentation only


def test_start_selects_the_nodes_on_this_hosts_addresses(tmp_path):
    path, _ = write_layout(
        tmp_path / "l.toml",
        {
            "manager": ("manager", "198.51.100.1"),
            "logger-1": ("logger", "198.51.100.1"),
            "worker-1": ("worker", "127.0.0.1"),
            "worker-2": ("worker", "203.0.113.2"),
            "worker-3": ("worker", "127.0.0.3"),
        },
    )
    layout = load_layout(path)
    assert select_nodes(layout) == ["worker-1", "worker-3"]
    assert select_nodes(layout, ["198.51.100.1"]) == ["manager", "logger-1"]
    assert select_nodes(layout, ["203.0.113.2", "127.0.0.3"]) == ["worker-2", "worker-3"]
    assert "127.0.0.1" in resolve_host("localhost")
    assert select_nodes(layout, ["localhost"]) == ["worker-1"]
    with pytest.raises(LayoutError, match=r"no node of the layout is on 203\.0\.113\.7"):
        select_nodes(layout, ["203.0.113.7"])


def test_a_layout_with_no_node_here_is_a_clear_error(tmp_path):
    path, _ = write_layout(tmp_path / "l.toml", {"manager": ("manager", "198.51.100.1")})
    r = zscript("cluster", "start", "--layout", path, "x.zs", cwd=tmp_path)
    assert r.returncode == 1
    assert r.stderr == (
        "error: no node of the layout is on an address of this host "
        "(the layout's hosts: 198.51.100.1); name the host with --host\n"
    )
    assert not (tmp_path / "zscript-cluster" / "supervisor.json").exists()


def test_encryption_over_hosts_needs_keys_every_host_shares(tmp_path, monkeypatch):
    for var in [v for v in os.environ if v.startswith("ZEEK_CLUSTER_BACKEND_ZEROMQ_CURVE_")]:
        monkeypatch.delenv(var)
    path, _ = write_layout(tmp_path / "l.toml", TWO_HOSTS)
    path.write_text(path.read_text().replace("[cluster]", "[cluster]\nencryption = true"))
    r = zscript("cluster", "start", "--layout", path, "--host", "127.0.0.2", "x.zs", cwd=tmp_path)
    assert r.returncode == 1
    assert r.stderr.startswith(
        "error: encryption is on and the nodes run on several hosts, which need the same "
        "CURVE keys: add the lines `zscript cluster keys` prints"
    )
    assert not (tmp_path / "zscript-cluster" / "supervisor.json").exists()


# ------------------------------------------------------------ two hosts on one machine


def test_each_host_starts_its_nodes_and_status_shows_the_whole_cluster(tmp_path, run_dirs):  # noqa: F811
    layout, metrics = write_layout(tmp_path / "cluster.toml", TWO_HOSTS)
    script = tmp_path / "s.zs"
    script.write_text(SCRIPT)
    a, b = run_dirs("A"), run_dirs("B")
    # Host B first: its nodes wait for the manager on host A.
    import subprocess
    import sys

    cmd = [sys.executable, "-m", "zscript", "cluster", "start", "--layout", str(layout)]
    start_b = subprocess.Popen(
        [*cmd, "--host", "127.0.0.2", "--run-dir", str(b), str(script)],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        r = zscript(*cmd[3:], "--host", "127.0.0.1", "--run-dir", a, script, cwd=tmp_path)
        out_b, err_b = start_b.communicate(timeout=180)
    finally:
        if start_b.poll() is None:
            start_b.kill()
    assert r.returncode == 0, r.stderr
    assert start_b.returncode == 0, err_b
    assert "manager   manager  127.0.0.1  up" in r.stdout
    assert "proxy-1   proxy   127.0.0.2  up" in out_b

    # Each supervisor runs its own host's nodes only.
    st_a = json.loads((a / "supervisor.json").read_text())
    st_b = json.loads((b / "supervisor.json").read_text())
    assert list(st_a["nodes"]) == ["manager", "logger-1"]
    assert list(st_b["nodes"]) == ["proxy-1", "worker-1"]
    assert st_b["remote_manager"] == "manager"

    # Status on B: its own nodes with their counters, the others as the manager sees them.
    st = by_name(status(b, tmp_path))
    assert [(n, st[n]["host"], st[n]["state"], st[n]["remote"]) for n in st] == [
        ("proxy-1", "127.0.0.2", "up", False),
        ("worker-1", "127.0.0.2", "up", False),
        ("manager", "127.0.0.1", "up", True),
        ("logger-1", "127.0.0.1", "up", True),
    ]
    assert st["worker-1"]["pid"] and st["worker-1"]["events_in"] is not None
    assert st["manager"]["pid"] is None and st["manager"]["id"].startswith("zeromq_manager_")

    # Every node serves its metrics on its own host's address.
    for name, (_, host) in TWO_HOSTS.items():
        assert b"zeek_version_info" in get(f"http://{host}:{metrics[name]}/metrics")
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", metrics["worker-1"]), 2):
        pass
    services = json.loads(get(f"http://127.0.0.1:{metrics['manager']}/services.json"))
    assert services == [
        {"targets": [f"{h}:{metrics[n]}" for n, (_, h) in TWO_HOSTS.items()], "labels": {}}
    ]

    # Host B stops: the manager, and so status on A, sees its nodes down.
    assert zscript("cluster", "stop", "--run-dir", b, cwd=tmp_path).returncode == 0
    wait_until(
        lambda: by_name(status(a, tmp_path))["worker-1"]["state"] == "down",
        "status on A shows worker-1 down",
    )
    st = by_name(status(a, tmp_path))
    assert [(n, st[n]["state"]) for n in st] == [
        ("manager", "up"),
        ("logger-1", "up"),
        ("proxy-1", "down"),
        ("worker-1", "down"),
    ]
    manager_out = (a / "manager" / "stdout").read_text()
    assert "node_down worker-1" in manager_out and "node_down proxy-1" in manager_out

    # Without the manager, status on B says why the other hosts are unknown.
    assert zscript("cluster", "stop", "--run-dir", a, cwd=tmp_path).returncode == 0
    r = zscript("cluster", "status", "--run-dir", b, cwd=tmp_path)
    assert "manager   manager  127.0.0.1  unknown" in r.stdout
    url = f"http://127.0.0.1:{metrics['manager']}/cluster.json"
    assert f"other hosts' nodes unknown: cannot ask the manager at {url}:" in r.stdout


# ------------------------------------------------------------ IPv6


def test_ipv6_layout_endpoints_are_bracketed(tmp_path):
    path, _ = write_layout(
        tmp_path / "l.toml", {"manager": ("manager", "::1"), "logger-1": ("logger", "fd00::7")}
    )
    layout = load_layout(path)
    assert layout.xpub_endpoint() == f"tcp://[::1]:{layout.xpub_port}"
    assert layout.log_endpoints() == [f"tcp://[fd00::7]:{layout.nodes['logger-1'].port}"]
    assert "redef Cluster::Backend::ZeroMQ::ipv6 = T;" in layout.config_script()
    path, _ = write_layout(tmp_path / "v4.toml", {"manager": ("manager", "127.0.0.1")})
    assert "ipv6" not in load_layout(path).config_script()


@pytest.mark.skipif(not is_local_address("::1"), reason="no IPv6 loopback here")
def test_a_cluster_on_ipv6_addresses_runs(tmp_path, run_dirs):  # noqa: F811
    nodes = {"manager": ("manager", "::1"), "worker-1": ("worker", "::1")}
    path, metrics = write_layout(tmp_path / "cluster.toml", nodes)
    script = tmp_path / "s.zs"
    script.write_text(SCRIPT)
    rd = run_dirs()
    r = zscript("cluster", "start", "--layout", path, "--run-dir", rd, script, cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    st = by_name(status(rd, tmp_path))
    assert {n: (v["host"], v["state"]) for n, v in st.items()} == {
        "manager": ("::1", "up"),
        "worker-1": ("::1", "up"),
    }
    services = json.loads(get(f"http://[::1]:{metrics['manager']}/services.json"))
    assert services[0]["targets"] == [f"[::1]:{metrics[n]}" for n in nodes]
