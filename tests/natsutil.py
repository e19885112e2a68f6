"""A real ``nats-server`` (JetStream on) for the NATS tests.

:func:`nats_server` is a fixture factory: each server listens on a free
port of 127.0.0.1 with its store in the test's temporary directory and is
stopped when the test ends.  Without the ``nats-server`` binary (or the
``nats-py`` package) the tests are skipped with a hint on installing them;
with ``ZSCRIPT_REQUIRE_NATS=1`` (set in CI) they fail instead.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time

import pytest

from zscript.testing.golden import free_ports

INSTALL_HINT = (
    "install it with `apt-get install -y nats-server` (macOS: `brew install nats-server`) "
    "and `pip install 'zscript[nats]'`"
)


def missing(what: str):
    if os.environ.get("ZSCRIPT_REQUIRE_NATS") == "1":
        pytest.fail(f"{what} is required (ZSCRIPT_REQUIRE_NATS=1) but missing; {INSTALL_HINT}")
    pytest.skip(f"{what} is not available; {INSTALL_HINT}")


def free_port() -> int:
    return free_ports(1)[0]


class NATSServer:
    """One ``nats-server -js`` on 127.0.0.1; :attr:`url` to connect to.

    ``args`` are more command-line arguments (``-cluster``, ``-routes``,
    ...).  :meth:`stop` and :meth:`start` restart it on the same port with
    the same store.
    """

    def __init__(self, directory, *, port: int | None = None, args: list[str] = ()):
        self.port = port or free_port()
        self.store = directory / f"nats-{self.port}"
        self.args = list(args)
        self.url = f"nats://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None
        self.start()

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                shutil.which("nats-server"),
                "-js", "-sd", str(self.store),
                "-a", "127.0.0.1", "-p", str(self.port),
                *self.args,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.2).close()
                return
            except OSError:
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
