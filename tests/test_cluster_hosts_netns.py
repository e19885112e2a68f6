"""A cluster over three real hosts: network namespaces joined by a bridge.

The layout is ``examples/cluster/three-hosts.toml``: the manager and the
logger on host A (10.213.0.1), the proxy and worker-1 on host B, worker-2 on
host C, CURVE encryption on (the keys in every host's environment).  Each
host runs ``zscript cluster start`` in its own namespace (:mod:`netns`), as
on three machines.  The test checks HRW over the hosts, remote logging, an
``&backend`` table, that killing every process of host C is ``node_down``
on A within 2 s and that C rejoins cleanly, and that pulling C's cable (no
reset reaches anyone: only heartbeats can tell) is ``node_down`` within 5 s.

It needs root and ``ip netns``; without them it is skipped, saying why,
unless ``ZSCRIPT_REQUIRE_NETNS=1`` (CI sets it), where it fails.  The
namespaces, and every process in them, are removed however the test ends.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from netns import Hosts, unavailable

from zscript.cluster.curve import generate_keys, keys_environment

ROOT = Path(__file__).resolve().parent.parent
LAYOUT = ROOT / "examples" / "cluster" / "three-hosts.toml"
SCRIPT = ROOT / "tests" / "cluster" / "hosts.zs"
ADDRESSES = {"a": "10.213.0.1", "b": "10.213.0.2", "c": "10.213.0.3"}
WAIT = 60.0


def require_netns() -> None:
    """Skip (or fail, with ``ZSCRIPT_REQUIRE_NETNS=1``) where namespaces cannot be made."""
    why = unavailable()
    if why is None:
        return
    if os.environ.get("ZSCRIPT_REQUIRE_NETNS") == "1":
        pytest.fail(f"ZSCRIPT_REQUIRE_NETNS=1 but {why}")
    pytest.skip(why)


def zs(*args) -> list[str]:
    return [sys.executable, "-m", "zscript", *map(str, args)]


class Cluster:
    """The three hosts, each with its run directory ``<tmp>/<host>``."""

    def __init__(self, hosts: Hosts, tmp: Path):
        self.hosts = hosts
        self.tmp = tmp
        self.env = {**os.environ, **keys_environment(generate_keys())}

    def run_dir(self, host: str) -> Path:
        return self.tmp / host

    def start(self, *hosts: str) -> None:
        """``zscript cluster start`` on each of ``hosts`` at once; each must succeed."""
        procs = {
            h: self.hosts.popen(
                h,
                zs("cluster", "start", "--layout", LAYOUT, "--run-dir", self.run_dir(h), SCRIPT),
                cwd=self.tmp,
                env=self.env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for h in hosts
        }
        for h, p in procs.items():
            out, err = p.communicate(timeout=240)
            assert p.returncode == 0, f"start on {h}: {out}{err}"

    def stop(self, host: str) -> None:
        self.hosts.run(
            host, zs("cluster", "stop", "--run-dir", self.run_dir(host), "--timeout", "5")
        )

    def output(self, host: str, node: str) -> str:
        try:
            return (self.run_dir(host) / node / "stdout").read_text()
        except OSError:
            return ""

    def wait_for(self, host: str, node: str, pattern: str, count: int = 1) -> list[re.Match]:
        deadline = time.monotonic() + WAIT
        while True:
            found = list(re.finditer(pattern, self.output(host, node), re.M))
            if len(found) >= count:
                return found
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"not within {WAIT} s on {node}: {count} x {pattern!r}\n{self.output(host, node)}"
                )
            time.sleep(0.1)

    def noticed(self, event: str, node: str, count: int) -> float:
        """When the manager printed ``event`` (node_up/node_down) of ``node`` for the count-th time."""
        m = self.wait_for("a", "manager", rf"^{event} {node} ([\d.]+)$", count)[count - 1]
        return float(m.group(1))


@pytest.fixture
def cluster(tmp_path):
    require_netns()
    with Hosts(ADDRESSES) as hosts:
        c = Cluster(hosts, tmp_path)
        try:
            yield c
        finally:
            for h in ("c", "b", "a"):
                c.stop(h)


def test_three_hosts(cluster):
    c = cluster
    c.start("a", "b", "c")

    # HRW over the hosts: each key of round 1 reaches exactly one worker, and
    # both hosts' workers get some.
    c.wait_for("a", "manager", r"^round 1 sent$")
    got = {}
    for host, worker in (("b", "worker-1"), ("c", "worker-2")):
        c.wait_for(host, worker, r"^hrw r1-", 1)
    time.sleep(1)
    for host, worker in (("b", "worker-1"), ("c", "worker-2")):
        got[worker] = set(re.findall(r"^hrw (r1-k\d+)$", c.output(host, worker), re.M))
    assert got["worker-1"] and got["worker-2"], got
    assert not got["worker-1"] & got["worker-2"]
    assert got["worker-1"] | got["worker-2"] == {f"r1-k{i}" for i in range(10)}

    # Remote logging: the logger on host A writes what the workers on B and C log.
    log = c.run_dir("a") / "logger-1" / "hosts.log"
    deadline = time.monotonic() + WAIT
    rows: set[tuple[str, str]] = set()
    want = {(w, k) for w, keys in got.items() for k in keys}
    while not want <= rows and time.monotonic() < deadline:
        time.sleep(0.2)
        if log.exists():
            rows = {
                tuple(line.split("\t")[:2])
                for line in log.read_text().splitlines()
                if line and not line.startswith("#")
            }
    assert want <= rows, rows

    # The &backend table: each node sees both workers' keys.
    for host, node in (("a", "manager"), ("b", "worker-1"), ("c", "worker-2")):
        c.wait_for(host, node, r"^table from-worker-1$")
        c.wait_for(host, node, r"^table from-worker-2$")

    # Status on host C shows the whole cluster, as the manager sees it.
    r = c.hosts.run("c", zs("cluster", "status", "--json", "--run-dir", c.run_dir("c")))
    st = {n["name"]: n for n in json.loads(r.stdout)["nodes"]}
    assert {n: (v["host"], v["state"]) for n, v in st.items()} == {
        "manager": ("10.213.0.1", "up"),
        "logger-1": ("10.213.0.1", "up"),
        "proxy-1": ("10.213.0.2", "up"),
        "worker-1": ("10.213.0.2", "up"),
        "worker-2": ("10.213.0.3", "up"),
    }

    # Host C dies, every process of it: A notices within 2 s.
    c.noticed("node_up", "worker-2", 1)
    killed_at = time.time()
    assert c.hosts.kill_all("c")
    down = c.noticed("node_down", "worker-2", 1)
    assert down - killed_at < 2.0, down - killed_at

    # Host C comes back: worker-2 is up again and takes part in HRW again.
    c.start("c")
    c.noticed("node_up", "worker-2", 2)
    c.wait_for("c", "worker-2", r"^hrw r2-")

    # Host C's cable is pulled: nobody gets a reset; heartbeats notice within 5 s.
    cut_at = time.time()
    c.hosts.unplug("c")
    down = c.noticed("node_down", "worker-2", 2)
    assert down - cut_at < 5.0, down - cut_at
    c.wait_for("b", "worker-1", r"^node_down worker-2 ")

    # Plugged in again, worker-2 rejoins by itself.
    c.hosts.plug("c")
    c.noticed("node_up", "worker-2", 3)


def test_namespaces_of_killed_test_runs_are_swept():
    require_netns()
    from netns import sweep

    p = subprocess.Popen(["true"])
    p.wait()  # its pid runs no more: a test run killed before its clean-up
    stale = f"zs{p.pid}-0-x"
    subprocess.run(["ip", "netns", "add", stale], check=True)
    try:
        assert stale in sweep()
        listed = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
        assert stale not in listed.split()
    finally:
        subprocess.run(["ip", "netns", "del", stale], capture_output=True)
