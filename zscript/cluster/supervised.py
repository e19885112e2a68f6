"""Zeek's Supervisor framework: ``zscript run -j`` and ``Supervisor::create``.

A process run with ``-j`` (Zeek's ``zeek -j``) is a *supervisor*: its
scripts start *nodes* with ``Supervisor::create(NodeConfig)``, and it keeps
running until ``terminate()``, SIGTERM or SIGINT, then stops its nodes.
Each node is ``python -m zscript run NAME SCRIPTS...`` with the supervisor's
own scripts and ``-e`` code (their paths made absolute), so one script holds
both sides, split with ``@if ( Supervisor::is_supervisor() )`` as in Zeek.
As Zeek's ``SupervisedNode::Init`` (src/supervisor/Supervisor.cc) does, the
node runs in its ``directory`` (created by ``create``), writes to its
``stdout_file``/``stderr_file`` there, gets its ``env`` and, when its
``cluster`` table is not empty, ``CLUSTER_NODE``.

The node's configuration reaches it as JSON in ``ZSCRIPT_SUPERVISED_NODE``
(removed from the environment once read, so the node's own children are not
nodes).  :meth:`Supervision.before_frameworks` turns it into
``redef Supervisor::__node_config = ...`` before the frameworks load, so the
cluster framework's ``@if ( Supervisor::is_supervised() )`` fills
``Cluster::nodes`` from the table (``base/frameworks/cluster/supervisor``)
and the cluster subsystem looks for no layout.

Output of a node without ``stdout_file``/``stderr_file`` goes through the
supervisor: each line runs ``Supervisor::stdout_hook``/``stderr_hook`` and,
unless a handler breaks, is printed as ``[NAME] line``, as Zeek's supervisor
does.  A node that ends by itself is started again after a back-off (1 s,
doubled up to 30 s; Zeek's stem revives nodes the same way).  Stopping sends
SIGTERM to every node at once and SIGKILL to those still running after
:data:`STOP_TIMEOUT` seconds.  ``Supervisor::node_status`` is raised on the
supervisor for each process started.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from collections.abc import Callable

__all__ = ["ENV_NODE", "Supervision", "install"]

#: The environment variable that carries a node's configuration (JSON).
ENV_NODE = "ZSCRIPT_SUPERVISED_NODE"
STOP_TIMEOUT = 10.0
POLL = 0.25
_BACKOFF_MAX = 30.0


class _Node:
    """One node the supervisor created."""

    def __init__(self, config: dict, record):
        self.config = config
        self.record = record  # the NodeConfig value given to create()
        self.proc = None
        self.backoff = 1.0
        self.restart_at: float | None = None
        #: Output pipes being read: file descriptor -> its reader.
        self.readers: dict[int, Callable[[], None]] = {}

    @property
    def name(self) -> str:
        return self.config["name"]

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None


class Supervision:
    """The Supervisor framework's built-ins and, in a supervisor, its nodes."""

    def __init__(self, host):
        self.host = host
        self.is_supervisor = bool(host.options.get("supervisor"))
        self.config: dict | None = None
        text = os.environ.pop(ENV_NODE, None)
        if text is not None and not self.is_supervisor:
            import json

            try:
                self.config = json.loads(text)
            except ValueError:
                host.fail(f"{ENV_NODE} does not hold a node configuration (JSON)")
        #: A supervised node with a cluster table takes its nodes from it.
        host.options["supervised_cluster"] = bool(self.config and self.config.get("cluster"))
        self.nodes: dict[str, _Node] = {}
        self._aloop = None
        self._stopped = False
        self._register()
        if self.is_supervisor:
            host.on_start.append(self._start)

    # ----------------------------------------------------------- loading

    def before_frameworks(self) -> None:
        if self.config is None:
            return
        from ..diagnostics import SourceFile

        text = f"redef Supervisor::__node_config = {_node_config_expr(self.config)};\n"
        self.host.load_source(SourceFile("<supervised-node>", text))

    # ---------------------------------------------------------- built-ins

    def _register(self) -> None:
        add = self.host.add_bif
        add("Supervisor::__is_supervisor", "function(): bool", lambda: self.is_supervisor)
        add("Supervisor::__is_supervised", "function(): bool", lambda: self.config is not None)
        add("Supervisor::__node", "function(): Supervisor::NodeConfig", self._node)
        add("Supervisor::__create", "function(node: Supervisor::NodeConfig): string", self.create)
        add("Supervisor::__status", "function(node: string): Supervisor::Status", self.status)
        add("Supervisor::__destroy", "function(node: string): bool", self.destroy)
        add("Supervisor::__restart", "function(node: string): bool", self.restart)

    def _not_enabled(self) -> bool:
        if self.is_supervisor:
            return False
        self.host.builtin_error("supervisor mode not enabled")
        return True

    def _node(self):
        if self.config is None:
            self.host.builtin_error("not a supervised process")
            from ..runtime.values import record_class

            rt = self.host.script_type("Supervisor::NodeConfig")
            return record_class(rt)._zmake({"f_name": "<invalid>"})
        return self.host.global_value("Supervisor::__node_config")

    def create(self, rec) -> str:
        if self._not_enabled():
            return "supervisor mode not enabled"
        config = _node_config_dict(rec)
        name = config["name"]
        if not name:
            return "node names must not be an empty string"
        if " " in name:
            return f"node names must not contain spaces: '{name}'"
        if name in self.nodes:
            return f"node with name '{name}' already exists"
        if config.get("interface") is not None and config.get("pcap_file") is not None:
            return f"node with name '{name}' has interface and pcap_file set"
        directory = config.get("directory")
        if directory:
            try:
                os.makedirs(directory, exist_ok=True)
            except OSError:
                return f"failed to create working directory {directory}\n"
            config["directory"] = os.path.abspath(directory)
        node = self.nodes[name] = _Node(config, rec)
        if self._aloop is not None:
            self._spawn(node)
        return ""

    def status(self, name: str):
        from ..runtime.containers import Table
        from ..runtime.values import record_class

        host = self.host
        st_t = host.script_type("Supervisor::Status")
        ns_t = host.script_type("Supervisor::NodeStatus")
        nodes = Table(st_t.field_map["nodes"].type)
        if not self._not_enabled():
            for node in self.nodes.values():
                if name and node.name != name:
                    continue
                fields = {"f_node": node.record}
                if node.running:
                    fields["f_pid"] = node.proc.pid
                nodes[node.name] = record_class(ns_t)._zmake(fields)
        return record_class(st_t)._zmake({"f_nodes": nodes})

    def destroy(self, name: str) -> bool:
        chosen = self._stopped_nodes(name)
        for n in chosen or ():
            del self.nodes[n.name]
        return chosen is not None

    def restart(self, name: str) -> bool:
        chosen = self._stopped_nodes(name)
        if chosen and self._aloop is not None:
            for n in chosen:
                self._spawn(n)
        return chosen is not None

    def _stopped_nodes(self, name: str) -> list[_Node] | None:
        """Stop the named node (every node for ""); None if there is none."""
        if self._not_enabled():
            return None
        chosen = self._chosen(name)
        if chosen is not None:
            self._stop(chosen)
        return chosen

    def _chosen(self, name: str) -> list[_Node] | None:
        if not name:
            return list(self.nodes.values())
        node = self.nodes.get(name)
        return [node] if node is not None else None

    # ------------------------------------------------------------ running

    def _start(self) -> None:
        """The supervisor stays up (Zeek's supervisor runs until told to
        stop); nodes are started once the event loop runs."""
        loop = self.host.loop
        loop.sources += 1
        loop.add_io(self._io_up)
        loop.on_exit.append(self.stop)

    def _io_up(self, aloop) -> None:
        self._aloop = aloop
        for node in self.nodes.values():
            if node.proc is None:
                self._spawn(node)
        aloop.call_later(POLL, self._watch)

    def _command(self, config: dict) -> list[str]:
        opts = self.host.options
        bare = config.get("bare_mode")
        if bare is None:
            bare = self.host.bare
        # Only a node with a cluster table is a cluster node (Zeek sets
        # CLUSTER_NODE for it alone).
        node = config["name"] if config.get("cluster") else "standalone"
        cmd = [sys.executable, "-m", "zscript", "run", node]
        if bare:
            cmd.append("--bare")
        cmd += config.get("addl_base_scripts", [])
        cmd += [_absolute(s) for s in opts.get("script_files") or []]
        cmd += config.get("addl_user_scripts", [])
        code = opts.get("script_code")
        if code is not None:
            cmd += ["-e", code]
        return cmd

    def _spawn(self, node: _Node) -> None:
        import json
        import subprocess

        config = node.config
        cwd = config.get("directory") or None
        env = dict(os.environ)
        env.update(config.get("env") or {})
        env[ENV_NODE] = json.dumps(config)
        env["PYTHONUNBUFFERED"] = "1"
        if config.get("cluster"):
            env["CLUSTER_NODE"] = config["name"]
        files = []
        try:
            streams = []
            for key in ("stdout_file", "stderr_file"):
                path = config.get(key)
                if path:
                    f = open(os.path.join(cwd or ".", path), "wb")  # noqa: SIM115
                    files.append(f)
                    streams.append(f)
                else:
                    streams.append(subprocess.PIPE)
            node.proc = subprocess.Popen(
                self._command(config),
                cwd=cwd,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=streams[0],
                stderr=streams[1],
            )
        except OSError as e:
            self.host.reporter.error(f"supervisor: cannot start node {config['name']}: {e}")
            node.restart_at = time.monotonic() + node.backoff
            return
        finally:
            for f in files:
                f.close()
        node.restart_at = None
        node.started = time.monotonic()
        for stream, hook in ((node.proc.stdout, "stdout"), (node.proc.stderr, "stderr")):
            if stream is not None:
                self._relay(node, stream, hook)
        self.host.raise_event("Supervisor::node_status", (node.name, node.proc.pid))

    def _relay(self, node: _Node, stream, kind: str) -> None:
        """Pass a node's output on, line by line (see the module docstring)."""
        fd = stream.fileno()
        os.set_blocking(fd, False)
        pending = bytearray()
        hook = f"Supervisor::{kind}_hook"
        out = sys.stdout if kind == "stdout" else sys.stderr

        def readable() -> None:
            try:
                chunk = os.read(fd, 65536)
            except BlockingIOError:
                return
            except OSError:
                chunk = b""
            pending.extend(chunk)
            *lines, rest = pending.split(b"\n")
            if not chunk and rest:
                lines.append(rest)
                rest = b""
            pending[:] = rest
            for raw in lines:
                msg = raw.decode("utf-8", "replace")
                if self.host.call_hook(hook, (node.name, msg)):
                    out.write(f"[{node.name}] {msg}\n")
            out.flush()
            if not chunk:
                self._aloop.remove_reader(fd)
                del node.readers[fd]
                stream.close()

        self._aloop.add_reader(fd, readable)
        node.readers[fd] = readable

    def _watch(self) -> None:
        """Start nodes that ended by themselves again, after their back-off."""
        if self._stopped:
            return
        now = time.monotonic()
        for node in self.nodes.values():
            if node.proc is None and node.restart_at is None:
                continue
            if node.restart_at is None and not node.running:
                # It ended: a run of a minute or more resets the back-off.
                if now - getattr(node, "started", now) >= 60:
                    node.backoff = 1.0
                node.restart_at = now + node.backoff
                node.backoff = min(node.backoff * 2, _BACKOFF_MAX)
            elif node.restart_at is not None and now >= node.restart_at:
                self._spawn(node)
        self._aloop.call_later(POLL, self._watch)

    def _stop(self, nodes: list[_Node]) -> None:
        """SIGTERM to ``nodes`` at once, SIGKILL after :data:`STOP_TIMEOUT`."""
        running = [n for n in nodes if n.running]
        for n in running:
            try:
                n.proc.send_signal(signal.SIGTERM)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + STOP_TIMEOUT
        for n in running:
            try:
                n.proc.wait(max(0.0, deadline - time.monotonic()))
            except Exception:  # noqa: BLE001 - subprocess.TimeoutExpired
                n.proc.kill()
                n.proc.wait()
        for n in nodes:
            # What the node wrote last is still passed on (it has ended: the
            # pipes reach their end).
            for fd, readable in list(n.readers.items()):
                for _ in range(10_000):
                    if fd not in n.readers:
                        break
                    readable()
            n.proc = None
            n.restart_at = None

    def stop(self) -> None:
        """Stop every node (the supervisor is ending)."""
        if self._stopped:
            return
        self._stopped = True
        # A second stop request while the nodes stop must not end the
        # supervisor before them (Zeek's handler only notes signals once
        # it terminates).
        ignored = {}
        for sig in (signal.SIGTERM, signal.SIGINT):
            try:
                ignored[sig] = signal.signal(sig, signal.SIG_IGN)
            except ValueError:  # not the main thread
                pass
        try:
            self._stop(list(self.nodes.values()))
        finally:
            for sig, old in ignored.items():
                signal.signal(sig, old)
        self.host.loop.sources -= 1


# ---------------------------------------------------------------- values


def _absolute(path: str) -> str:
    """A script named on the command line as the node finds it from its own
    working directory (a name found on the search path stays as it is)."""
    if os.path.exists(path):
        return os.path.abspath(path)
    return path


def _opt(rec, field: str):
    return getattr(rec, "f_" + field, None)


def _node_config_dict(rec) -> dict:
    """A ``Supervisor::NodeConfig`` value as JSON-ready data."""
    config: dict = {"name": rec.f_name}
    for key in ("interface", "pcap_file", "directory", "stdout_file", "stderr_file"):
        v = _opt(rec, key)
        if v is not None:
            config[key] = v
    for key in ("bare_mode", "cpu_affinity"):
        v = _opt(rec, key)
        if v is not None:
            config[key] = v
    config["addl_base_scripts"] = list(rec.f_addl_base_scripts)
    config["addl_user_scripts"] = list(rec.f_addl_user_scripts)
    config["env"] = dict(rec.f_env)
    cluster = {}
    for name, ep in rec.f_cluster.items():
        entry = {
            "role": ep.f_role.name.rpartition("::")[2],
            "host": str(ep.f_host),
            "p": str(ep.f_p),
        }
        for key in ("interface", "pcap_file", "metrics_port"):
            v = _opt(ep, key)
            if v is not None:
                entry[key] = str(v)
        cluster[name] = entry
    config["cluster"] = cluster
    return config


def _node_config_expr(config: dict) -> str:
    """Script code for the ``Supervisor::NodeConfig`` that ``config`` describes."""
    from .scriptgen import string_literal as s

    def addr(a: str) -> str:
        return f"[{a}]" if ":" in a else a

    def strings(xs) -> str:
        return "vector(" + ", ".join(s(x) for x in xs) + ")" if xs else "vector()"

    parts = [f"$name={s(config['name'])}"]
    for key in ("interface", "pcap_file", "directory", "stdout_file", "stderr_file"):
        if key in config:
            parts.append(f"${key}={s(config[key])}")
    if "bare_mode" in config:
        parts.append(f"$bare_mode={'T' if config['bare_mode'] else 'F'}")
    if "cpu_affinity" in config:
        parts.append(f"$cpu_affinity={int(config['cpu_affinity'])}")
    parts.append(f"$addl_base_scripts={strings(config.get('addl_base_scripts'))}")
    parts.append(f"$addl_user_scripts={strings(config.get('addl_user_scripts'))}")
    env = config.get("env") or {}
    items = ", ".join(f"[{s(k)}] = {s(v)}" for k, v in env.items())
    parts.append(f"$env=table({items})" if items else "$env=table()")
    eps = []
    for name, ep in (config.get("cluster") or {}).items():
        fields = [
            f"$role=Supervisor::{ep['role']}",
            f"$host={addr(ep['host'])}",
            f"$p={ep['p']}",
        ]
        for key in ("interface", "pcap_file"):
            if key in ep:
                fields.append(f"${key}={s(ep[key])}")
        if "metrics_port" in ep:
            fields.append(f"$metrics_port={ep['metrics_port']}")
        eps.append(f"[{s(name)}] = Supervisor::ClusterEndpoint({', '.join(fields)})")
    if eps:
        parts.append("$cluster=table(" + ", ".join(eps) + ")")
    return "Supervisor::NodeConfig(" + ", ".join(parts) + ")"


def install(host) -> Supervision:
    return Supervision(host)
