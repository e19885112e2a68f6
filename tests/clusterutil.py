"""Running real multi-process clusters in tests.

:class:`LocalCluster` writes a layout with ports chosen free at run time
(127.0.0.1 only), starts ``zscript run NODE SCRIPT... --layout FILE`` for the
nodes a test asks for, collects each node's output in a file, waits for
lines to appear, and kills every process it started when the test ends
(use it as a context manager or through the ``local_cluster`` fixture in
``conftest.py``)::

    with LocalCluster(tmp_path, {"manager": "manager", "worker-1": "worker"}) as c:
        c.start_all([script])
        c.wait_for("manager", "node_up worker-1")
        c.kill("worker-1")                      # SIGKILL
        c.wait_for("manager", "node_down worker-1", timeout=2)

Options: ``script_layout=True`` runs the nodes the way Zeek's tests do,
with a ``cluster-layout.zeek`` found on the search path instead of
``--layout`` (see :meth:`LocalCluster.write_layout_script`);
``cluster_lines`` adds lines to the layout's ``[cluster]`` table
(encryption, ...); ``split_stderr=True`` keeps each node's stderr apart (``<node>.err``,
read with ``output(node, stream="err")``); ``status=True`` runs every node
with ``ZSCRIPT_CLUSTER_RUN_DIR`` set, so that :meth:`LocalCluster.status`
can read the counters it writes each second.  :meth:`LocalCluster.write_layout`
writes another layout for the same ports (say, with another serializer) for
:meth:`LocalCluster.start`'s ``layout`` argument.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from zscript.testing.golden import free_ports

__all__ = ["LocalCluster", "free_ports"]

#: Default time to wait for an expected line (generous: CI machines are slow).
WAIT = 20.0


class LocalCluster:
    """See the module docstring.

    :param nodes: node name -> type (``manager``, ``logger``, ``proxy``, ``worker``),
        in layout order.  Exactly one manager.
    :param serializer: ``broker-bin-v1`` or ``broker-json-v1``.
    :param split_stderr: write each node's stderr to ``<node>.err`` instead of
        mixing it into its output.
    :param status: run the nodes with ``ZSCRIPT_CLUSTER_RUN_DIR`` (see :meth:`status`).
    """

    def __init__(
        self,
        tmp_path: Path,
        nodes: dict[str, str],
        *,
        serializer: str = "broker-bin-v1",
        split_stderr: bool = False,
        status: bool = False,
        cluster_lines: list[str] = (),
        script_layout: bool = False,
    ):
        self.dir = Path(tmp_path)
        self.cluster_lines = list(cluster_lines)
        self.script_layout = script_layout
        self.nodes = dict(nodes)
        self.serializer = serializer
        self.split_stderr = split_stderr
        self.run_dir: Path | None = None
        if status:
            self.run_dir = self.dir / "run"
            self.run_dir.mkdir(exist_ok=True)
        xpub, xsub, *rest = free_ports(2 + 2 * len(nodes))
        self.xpub_port, self.xsub_port = xpub, xsub
        has_logger = "logger" in nodes.values()
        self.log_ports: dict[str, int] = {}
        self.metrics_ports: dict[str, int] = {}
        for name, kind in nodes.items():
            if kind == "logger" or (kind == "manager" and not has_logger):
                self.log_ports[name] = rest.pop()
            self.metrics_ports[name] = rest.pop()
        self.layout = self.write_layout(self.dir / "cluster.toml")
        if script_layout:
            self.settings = self.write_layout_script()
        self.procs: dict[str, subprocess.Popen] = {}
        self.outputs: dict[str, Path] = {}
        self.errors: dict[str, Path] = {}
        self._starts: dict[str, int] = {}

    def write_layout(
        self, path: Path, *, serializer: str | None = None, cluster_lines: list[str] | None = None
    ) -> Path:
        """Write this cluster's layout (same nodes and ports) to ``path``; return it.

        ``serializer`` overrides the cluster's, to make nodes that disagree;
        ``cluster_lines`` replaces the extra lines of the ``[cluster]`` table
        (``cluster_lines`` of the constructor: encryption keys, ...).
        """
        lines = [
            "[cluster]",
            f'serializer = "{serializer or self.serializer}"',
            f"xpub_port = {self.xpub_port}",
            f"xsub_port = {self.xsub_port}",
            *(self.cluster_lines if cluster_lines is None else cluster_lines),
        ]
        for name, kind in self.nodes.items():
            lines += ["", f"[nodes.{name}]", f'type = "{kind}"', 'host = "127.0.0.1"']
            if name in self.log_ports:
                lines.append(f"port = {self.log_ports[name]}")
            lines.append(f"metrics_port = {self.metrics_ports[name]}")
        path = Path(path)
        path.write_text("\n".join(lines) + "\n")
        return path

    def write_layout_script(self) -> Path:
        """Zeek's way (``script_layout=True``): ``cluster-layout.zeek`` in the
        nodes' directory holds the nodes, found on the script search path,
        and the returned script selects the ZeroMQ backend with this
        cluster's ports (what Zeek's tests do in ``test-bootstrap.zeek``)."""
        types = {"manager": "MANAGER", "logger": "LOGGER", "proxy": "PROXY", "worker": "WORKER"}
        rows = []
        for name, kind in self.nodes.items():
            fields = [f"$node_type=Cluster::{types[kind]}", "$ip=127.0.0.1"]
            if name in self.log_ports:
                fields.append(f"$p={self.log_ports[name]}/tcp")
            rows.append(f'\t["{name}"] = [{", ".join(fields)}],')
        has_logger = "logger" in self.nodes.values()
        (self.dir / "cluster-layout.zeek").write_text(
            f"redef Cluster::manager_is_logger = {'F' if has_logger else 'T'};\n"
            "redef Cluster::nodes = {\n" + "\n".join(rows) + "\n};\n"
        )
        z = "Cluster::Backend::ZeroMQ::"
        pub = f"tcp://127.0.0.1:{self.xsub_port}"
        sub = f"tcp://127.0.0.1:{self.xpub_port}"
        path = self.dir / "zeromq-settings.zeek"
        path.write_text(
            "@load policy/frameworks/cluster/backend/zeromq\n"
            f'redef {z}listen_xpub_endpoint = "{sub}";\n'
            f'redef {z}listen_xsub_endpoint = "{pub}";\n'
            f'redef {z}connect_xpub_endpoint = "{pub}";\n'
            f'redef {z}connect_xsub_endpoint = "{sub}";\n'
        )
        return path

    # ---------------------------------------------------------------- control

    def start(
        self,
        node: str,
        scripts: list,
        *,
        env: dict | None = None,
        extra_args=(),
        layout: Path | None = None,
    ) -> subprocess.Popen:
        """Start ``node`` (again, after it stopped: its output file continues).

        ``layout`` replaces the cluster's layout file for this node.
        """
        assert node in self.nodes, node
        old = self.procs.get(node)
        assert old is None or old.poll() is not None, f"{node} is still running"
        n = self._starts[node] = self._starts.get(node, 0) + 1
        out = self.outputs.setdefault(node, self.dir / f"{node}.out")
        full_env = dict(os.environ)
        if self.run_dir is not None:
            full_env["ZSCRIPT_CLUSTER_RUN_DIR"] = str(self.run_dir)
        full_env.update(env or {})
        full_env.setdefault("PYTHONUNBUFFERED", "1")
        cmd = [sys.executable, "-m", "zscript", "run", node]
        if self.script_layout and layout is None:
            cmd += [str(self.settings), *map(str, scripts)]
        else:
            cmd += [*map(str, scripts), "--layout", str(layout or self.layout)]
        cmd += list(extra_args)
        marker = f"=== start {n}\n".encode()
        with contextlib.ExitStack() as stack:
            f = stack.enter_context(open(out, "ab"))
            f.write(marker)
            f.flush()
            err = subprocess.STDOUT
            if self.split_stderr:
                path = self.errors.setdefault(node, self.dir / f"{node}.err")
                err = stack.enter_context(open(path, "ab"))
                err.write(marker)
                err.flush()
            p = subprocess.Popen(cmd, stdout=f, stderr=err, cwd=self.dir, env=full_env)
        self.procs[node] = p
        return p

    def running(self, node: str) -> bool:
        p = self.procs.get(node)
        return p is not None and p.poll() is None

    def start_all(self, scripts: list, **kw) -> None:
        """Start every node, the manager first (it runs the central proxy)."""
        order = sorted(self.nodes, key=lambda n: self.nodes[n] != "manager")
        for node in order:
            self.start(node, scripts, **kw)

    def kill(self, node: str, sig: int = signal.SIGKILL) -> None:
        p = self.procs[node]
        if p.poll() is None:
            p.send_signal(sig)
        if sig in (signal.SIGKILL, signal.SIGTERM, signal.SIGINT):
            try:
                p.wait(timeout=WAIT)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()

    def wait_exit(self, node: str, timeout: float = WAIT) -> int:
        return self.procs[node].wait(timeout=timeout)

    def stop_all(self) -> None:
        """Stop every running node in the supervisor's order (workers and
        proxies, then the manager, then the loggers), each group with SIGTERM
        and waited for before the next, then SIGKILL what is left.

        Signalling all at once let a worker see the manager go (``node_down``
        for every node) before its own SIGTERM, and then run what its scripts
        schedule on ``node_down`` during shutdown."""
        rank = {"worker": 0, "proxy": 0, "manager": 1, "logger": 2}
        groups: dict[int, list[str]] = {}
        for node in self.procs:
            groups.setdefault(rank.get(self.nodes.get(node, ""), 1), []).append(node)
        deadline = time.monotonic() + 10
        for _, names in sorted(groups.items()):
            group = [self.procs[n] for n in names]
            for p in group:
                if p.poll() is None:
                    p.send_signal(signal.SIGTERM)
            for p in group:
                try:
                    p.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()

    # ---------------------------------------------------------------- output

    def output(self, node: str, *, run: int | None = None, stream: str = "out") -> str:
        """Everything ``node`` printed (of its ``run``-th start only, if given).

        ``stream="err"``: its stderr (only with ``split_stderr``).
        """
        path = (self.errors if stream == "err" else self.outputs).get(node)
        text = path.read_text(errors="replace") if path and path.exists() else ""
        if run is None:
            return text
        parts = re.split(r"^=== start \d+\n", text, flags=re.M)
        return parts[run] if run < len(parts) else ""

    def wait_for(
        self,
        node: str,
        pattern: str,
        *,
        timeout: float = WAIT,
        count: int = 1,
        regex: bool = False,
        stream: str = "out",
    ) -> str:
        """Wait until ``node``'s output holds ``pattern`` (``count`` times); return the output.

        Fails (AssertionError with the node's output) on timeout or when the
        node exits without printing it.  ``stream="err"`` looks at its stderr.
        """
        deadline = time.monotonic() + timeout
        while True:
            text = self.output(node, stream=stream)
            found = len(re.findall(pattern, text, flags=re.M)) if regex else text.count(pattern)
            if found >= count:
                return text
            p = self.procs.get(node)
            exited = p is not None and p.poll() is not None
            if exited or time.monotonic() > deadline:
                time.sleep(0.1)
                text = self.output(node, stream=stream)
                found = len(re.findall(pattern, text, flags=re.M)) if regex else text.count(pattern)
                if found >= count:
                    return text
                why = f"exited with {p.returncode}" if exited else f"not within {timeout}s"
                raise AssertionError(
                    f"{node}: {pattern!r} x{count} {why}; output:\n{text}\n{self._others(node)}"
                )
            time.sleep(0.05)

    def status(self, node: str) -> dict | None:
        """The last ``<node>.status.json`` the node wrote (needs ``status=True``)."""
        assert self.run_dir is not None, "LocalCluster(..., status=True) writes status files"
        try:
            return json.loads((self.run_dir / f"{node}.status.json").read_text())
        except (OSError, ValueError):
            return None

    def wait_status(self, node: str, check, *, timeout: float = WAIT) -> dict:
        """Wait until ``check(status)`` is true for ``node``'s status file; return the status."""
        deadline = time.monotonic() + timeout
        while True:
            st = self.status(node)
            if st is not None and check(st):
                return st
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"{node}: status never matched; last: {st}\noutput:\n{self.output(node)}"
                )
            time.sleep(0.1)

    def _others(self, node: str) -> str:
        return "\n".join(f"--- {n}:\n{self.output(n)}" for n in self.procs if n != node)

    def __enter__(self) -> LocalCluster:
        return self

    def __exit__(self, *exc) -> None:
        self.stop_all()
