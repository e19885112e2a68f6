"""Hosts for tests: Linux network namespaces joined by a bridge.

:class:`Hosts` makes one network namespace per host, each with its loopback
and an ``eth0`` holding the host's address, plus one more namespace, the
*switch*, holding a bridge that every host's ``eth0`` is cabled to (a veth
pair: ``eth0`` in the host, ``v<host>`` on the switch).  Everything lives
inside those namespaces: the addresses (a private range that exists nowhere
else), the bridge and the cables, so nothing touches the machine's own
network, and deleting the namespaces removes all of it.  Namespace names
carry the test process's pid and a counter, so that parallel test workers
and other users of the machine never collide::

    with Hosts({"a": "10.213.0.1", "b": "10.213.0.2"}) as hosts:
        p = hosts.popen("a", [sys.executable, "-m", "zscript", ...])
        hosts.unplug("b")          # the cable is pulled: no reset reaches anyone
        hosts.plug("b")
        hosts.kill_all("b")        # SIGKILL every process in b's namespace

Leaving the ``with`` block (also on a failure) kills every process still
running in the namespaces and deletes them.  Namespaces left behind by a test
process that was itself killed are deleted by the next :class:`Hosts` (those
whose pid no longer runs).  :func:`unavailable` says why
namespaces cannot be made here (not root, no ``ip``), or ``None``.
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
import signal
import subprocess
import time

__all__ = ["Hosts", "unavailable"]

_count = itertools.count()
#: Our namespace names: ``zs<pid>-<n>-<host>``.
_OURS = re.compile(r"zs(\d+)-\d+-[A-Za-z0-9]+")


def _ip(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(["ip", *args], capture_output=True, text=True, check=check, timeout=30)


def unavailable() -> str | None:
    """Why network namespaces cannot be used here; None when they can."""
    if os.geteuid() != 0:
        return "network namespaces need root"
    if shutil.which("ip") is None:
        return "the ip command (iproute2) is not installed"
    name = f"zsprobe{os.getpid()}-{next(_count)}"
    r = _ip("netns", "add", name, check=False)
    if r.returncode != 0:
        return f"ip netns add failed: {r.stderr.strip()}"
    _ip("netns", "del", name, check=False)
    return None


def _pid_runs(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return True


def sweep() -> list[str]:
    """Delete the namespaces of test processes that are gone (killed before
    they could clean up), with whatever still runs in them; their names."""
    r = _ip("netns", "list", check=False)
    gone = []
    for line in r.stdout.splitlines():
        name = line.split(" ", 1)[0]
        m = _OURS.fullmatch(name)
        if m is None or _pid_runs(int(m.group(1))):
            continue
        pids = _ip("netns", "pids", name, check=False).stdout.split()
        for pid in pids:
            try:
                os.kill(int(pid), signal.SIGKILL)
            except (ProcessLookupError, ValueError):
                pass
        _ip("netns", "del", name, check=False)
        gone.append(name)
    return gone


class Hosts:
    """Namespaces for ``hosts`` (name -> IPv4 address in ``prefix_len``); see
    the module docstring."""

    def __init__(self, hosts: dict[str, str], prefix_len: int = 24):
        self.addresses = dict(hosts)
        self.prefix_len = prefix_len
        tag = f"zs{os.getpid()}-{next(_count)}"
        self.ns = {h: f"{tag}-{h}" for h in hosts}
        self.switch = f"{tag}-sw"
        self._made: list[str] = []
        self._procs: list[subprocess.Popen] = []

    def __enter__(self) -> Hosts:
        sweep()
        try:
            self._make()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _netns(self, name: str) -> None:
        _ip("netns", "add", name)
        self._made.append(name)
        _ip("-n", name, "link", "set", "lo", "up")

    def _make(self) -> None:
        sw = self.switch
        self._netns(sw)
        _ip("-n", sw, "link", "add", "br0", "type", "bridge")
        _ip("-n", sw, "link", "set", "br0", "up")
        for host, addr in self.addresses.items():
            ns = self.ns[host]
            self._netns(ns)
            port = f"v{host}"
            _ip("-n", ns, "link", "add", "eth0", "type", "veth", "peer", "name", port, "netns", sw)
            _ip("-n", sw, "link", "set", port, "master", "br0")
            _ip("-n", sw, "link", "set", port, "up")
            _ip("-n", ns, "addr", "add", f"{addr}/{self.prefix_len}", "dev", "eth0")
            _ip("-n", ns, "link", "set", "eth0", "up")

    # ------------------------------------------------------------ processes

    def command(self, host: str, argv: list[str]) -> list[str]:
        """``argv`` run in ``host``'s namespace."""
        return ["ip", "netns", "exec", self.ns[host], *argv]

    def run(self, host: str, argv: list[str], **kw) -> subprocess.CompletedProcess:
        kw.setdefault("capture_output", True)
        kw.setdefault("text", True)
        kw.setdefault("timeout", 180)
        return subprocess.run(self.command(host, argv), **kw)

    def popen(self, host: str, argv: list[str], **kw) -> subprocess.Popen:
        p = subprocess.Popen(self.command(host, argv), **kw)
        self._procs.append(p)
        return p

    def pids(self, host: str) -> list[int]:
        """Every process running in ``host``'s namespace."""
        r = _ip("netns", "pids", self.ns[host], check=False)
        return [int(p) for p in r.stdout.split()]

    def kill_all(self, host: str) -> list[int]:
        """SIGKILL every process in ``host``'s namespace (until none is left)."""
        killed: list[int] = []
        for _ in range(50):
            pids = self.pids(host)
            if not pids:
                break
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                    killed.append(pid)
                except ProcessLookupError:
                    pass
            time.sleep(0.05)
        for p in self._procs:  # reap those that are our children
            if p.poll() is None:
                try:
                    p.wait(0.01)
                except subprocess.TimeoutExpired:
                    pass
        return killed

    # ------------------------------------------------------------ the cables

    def unplug(self, host: str) -> None:
        """Pull ``host``'s cable at the switch: its packets are lost silently."""
        _ip("-n", self.switch, "link", "set", f"v{host}", "down")

    def plug(self, host: str) -> None:
        _ip("-n", self.switch, "link", "set", f"v{host}", "up")

    # ------------------------------------------------------------ the end

    def close(self) -> None:
        """Kill every process in the namespaces, then delete them (also after a failure)."""
        for host in self.ns:
            if self.ns[host] in self._made:
                self.kill_all(host)
        for p in self._procs:
            if p.poll() is None:
                p.kill()
            try:
                p.wait(5)
            except subprocess.TimeoutExpired:
                pass
        for name in reversed(self._made):
            _ip("netns", "del", name, check=False)
        self._made.clear()
