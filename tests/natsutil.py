"""A real ``nats-server`` (JetStream on) for the NATS tests.

:func:`nats_server` is a fixture factory: each server listens on a free
port of 127.0.0.1 with its store in the test's temporary directory and is
stopped when the test ends.  Without the ``nats-server`` binary (or the
``nats-py`` package) the tests are skipped with a hint on installing them;
with ``ZSCRIPT_REQUIRE_NATS=1`` (set in CI) they fail instead.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time

import pytest
import servers
from servers import free_port

from zscript.testing.golden import free_ports

INSTALL_HINT = (
    "install it with `apt-get install -y nats-server` (macOS: `brew install nats-server`) "
    "and `pip install 'zscript[nats]'`"
)


def missing(what: str):
    servers.missing(what, required_by="ZSCRIPT_REQUIRE_NATS", hint=INSTALL_HINT)


class NATSServer:
    """One ``nats-server -js`` on 127.0.0.1; :attr:`url` to connect to.

    ``args`` are more command-line arguments (``-cluster``, ``-routes``,
    ...).  :meth:`stop` and :meth:`start` restart it on the same port with
    the same store.  ``address`` and ``wrap`` run it elsewhere: listening on
    ``address``, started by the command ``wrap(argv)`` (e.g. inside a network
    namespace, ``tests/netns.py``), and ready once its log says so (this
    process may not reach ``address``).
    """

    def __init__(
        self,
        directory,
        *,
        port: int | None = None,
        args: list[str] = (),
        jetstream: bool = True,
        address: str = "127.0.0.1",
        wrap=None,
    ):
        self.port = port or free_port()
        self.store = directory / f"nats-{self.port}"
        self.args = list(args)
        self.jetstream = jetstream
        self.address = address
        self.wrap = wrap
        self.url = f"nats://{address}:{self.port}"
        self.proc: subprocess.Popen | None = None
        self.start()

    def start(self) -> None:
        argv = [
            shutil.which("nats-server"),
            *(["-js", "-sd", str(self.store)] if self.jetstream else []),
            "-a", self.address, "-p", str(self.port),
            *self.args,
        ]  # fmt: skip
        log = self.store.with_suffix(".log")
        if self.wrap is not None:
            log.unlink(missing_ok=True)
            argv = self.wrap([*argv, "-l", str(log)])
        self.proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.wrap is not None:
                if log.exists() and "Server is ready" in log.read_text(errors="replace"):
                    return
            else:
                try:
                    socket.create_connection((self.address, self.port), 0.2).close()
                    return
                except OSError:
                    pass
            if self.proc.poll() is not None:
                break
            time.sleep(0.02)
        self.stop()
        raise RuntimeError("nats-server did not start")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)

    def kill(self) -> None:
        """SIGKILL: the server vanishes without a word to its clients or routes."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)


def require_nats() -> None:
    if shutil.which("nats-server") is None:
        missing("nats-server")
    try:
        import nats  # noqa: F401
    except ImportError:
        missing("the nats-py Python package")


@pytest.fixture
def nats_server(tmp_path):
    """``nats_server()`` starts another server; ``nats_server.default`` is started already."""
    require_nats()
    servers: list[NATSServer] = []

    def start() -> NATSServer:
        s = NATSServer(tmp_path)
        servers.append(s)
        return s

    start.default = start()
    yield start
    for s in servers:
        s.stop()


@pytest.fixture(params=["zeromq", "nats"])
def backend_cluster(request, local_cluster, tmp_path):
    """``backend_cluster(nodes, **kw)``: a :class:`clusterutil.LocalCluster`
    on the ZeroMQ backend, then on NATS (a ``nats-server`` of the test's
    own); ``backend_cluster.backend`` names the backend of the run.  For
    the cluster behaviour tests that hold for any backend."""
    backend = request.param
    lines: list[str] = []
    if backend == "nats":
        require_nats()
        server = NATSServer(tmp_path)
        request.addfinalizer(server.stop)
        lines = ['backend = "nats"', f'nats_url = "{server.url}"']

    def make(nodes: dict[str, str], **kw):
        kw["cluster_lines"] = [*lines, *kw.get("cluster_lines", ())]
        return local_cluster(nodes, **kw)

    make.backend = backend
    return make


class NATSCluster:
    """Three (``size``) ``nats-server`` processes routed into one NATS cluster,
    on free ports of 127.0.0.1 (client, route and monitoring port each).
    :attr:`url` lists every server; :meth:`wait_routed` waits until a
    server has its routes to all others (asked on its monitoring port)."""

    def __init__(self, directory, size: int = 3):
        ports = free_ports(3 * size)
        self.client = ports[:size]
        self.route = ports[size : 2 * size]
        self.monitor = ports[2 * size :]
        routes = ",".join(f"nats://127.0.0.1:{p}" for p in self.route)
        self.servers: list[NATSServer] = []
        try:
            for i in range(size):
                args = [
                    "--cluster_name", "zscript-test",
                    "--cluster", f"nats://127.0.0.1:{self.route[i]}",
                    "--routes", routes,
                    "-m", str(self.monitor[i]),
                    "-n", f"s{i}",
                ]  # fmt: skip
                self.servers.append(
                    NATSServer(directory, port=self.client[i], args=args, jetstream=False)
                )
            for i in range(size):
                self.wait_routed(i)
        except BaseException:
            self.stop()
            raise
        self.url = ",".join(s.url for s in self.servers)

    def _monitor(self, i: int, what: str) -> dict:
        import json
        import urllib.request

        with urllib.request.urlopen(f"http://127.0.0.1:{self.monitor[i]}/{what}", timeout=2) as r:
            return json.load(r)

    def routes(self, i: int) -> int:
        return len({r["remote_id"] for r in self._monitor(i, "routez").get("routes") or []})

    def clients(self, i: int) -> list[str]:
        """The names of the clients connected to server ``i``."""
        return [c.get("name", "") for c in self._monitor(i, "connz").get("connections") or []]

    def wait_routed(self, i: int, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        want = len(self.servers) - 1
        while True:
            try:
                if self.routes(i) >= want:
                    return
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"nats-server s{i} has no routes to all others")
            time.sleep(0.05)

    def stop(self) -> None:
        for s in self.servers:
            s.stop()
