"""Cluster layouts: which nodes exist, their roles, hosts and ports.

A layout is a TOML file::

    [cluster]
    serializer = "broker-bin-v1"       # or "broker-json-v1"
    backend = "zeromq"                 # or "nats" (then nats_url; see .nats)
    nats_url = "nats://127.0.0.1:4222" # NATS servers, comma-separated
    xpub_port = 5555                   # the manager's central XPUB
    xsub_port = 5556                   # the manager's central XSUB
    websocket = true                   # the manager serves the WebSocket API
                                       # (127.0.0.1:27759; see websocket.config)
    encryption = true                  # CURVE on every connection (see curve)
    curve_server_publickey = "..."     # the keys (``zscript cluster keys``), or
    ...                                # from each node's environment

    [nodes.manager]
    type = "manager"
    host = "127.0.0.1"
    metrics_port = 9991

    [nodes.logger-1]
    type = "logger"
    host = "127.0.0.1"
    port = 5557                        # the logger's log PULL port
    metrics_port = 9992
    ...

Without a file the built-in default is used: ``manager``, ``logger-1``,
``proxy-1``, ``worker-1`` and ``worker-2`` on 127.0.0.1 with Zeek's default
ports (XPUB 5555 and XSUB 5556 on the manager, metrics from 9991 in layout
order, zeekctl's convention).  ``zscript cluster layout`` prints it.

:meth:`Layout.layout_script` renders the layout as the ``redef
Cluster::nodes`` script Zeek's zeekctl generates (``cluster-layout.zeek``),
:meth:`Layout.config_script` the transport settings (endpoints, serializer).
"""

from __future__ import annotations

import ipaddress
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from .curve import CurveKeys, curve_config_script, curve_toml, layout_curve_keys
from .scriptgen import addr_literal, string_literal
from .websocket.config import WebSocketSettings, layout_websocket_settings, websocket_config_script

__all__ = ["Layout", "LayoutError", "NodeSpec", "default_layout", "load_layout"]

NODE_TYPES = ("manager", "logger", "proxy", "worker")
SERIALIZERS = ("broker-bin-v1", "broker-json-v1")
BACKENDS = ("zeromq", "nats")


class LayoutError(Exception):
    """A layout file that cannot be used (the message says why)."""


@dataclass
class NodeSpec:
    name: str
    type: str
    host: str = "127.0.0.1"
    #: Log PULL port (loggers; the manager too when there is no logger).
    port: int | None = None
    metrics_port: int | None = None

    @property
    def enum_name(self) -> str:
        return "Cluster::" + self.type.upper()


@dataclass
class Layout:
    nodes: dict[str, NodeSpec] = field(default_factory=dict)
    serializer: str = "broker-bin-v1"
    xpub_port: int = 5555
    xsub_port: int = 5556
    #: The manager's WebSocket server (``websocket`` keys of ``[cluster]``), or None.
    websocket: WebSocketSettings | None = None
    #: CURVE encryption of every connection (``encryption`` of ``[cluster]``).
    encryption: bool = False
    #: The CURVE keys written in the layout (None: from each node's environment).
    curve: CurveKeys | None = None
    #: Where the file came from (None for the built-in default).
    path: Path | None = None
    #: The cluster backend: ``zeromq`` (the manager's central proxy) or ``nats``.
    backend: str = "zeromq"
    #: The NATS servers (``backend = "nats"``), comma-separated.
    nats_url: str = "nats://127.0.0.1:4222"

    @property
    def manager(self) -> NodeSpec:
        for n in self.nodes.values():
            if n.type == "manager":
                return n
        raise LayoutError("the layout has no manager node")

    def of_type(self, t: str) -> list[NodeSpec]:
        return [n for n in self.nodes.values() if n.type == t]

    @property
    def manager_is_logger(self) -> bool:
        return not self.of_type("logger")

    def xpub_endpoint(self) -> str:
        return f"tcp://{_uri_host(self.manager.host)}:{self.xpub_port}"

    def xsub_endpoint(self) -> str:
        return f"tcp://{_uri_host(self.manager.host)}:{self.xsub_port}"

    def log_endpoints(self) -> list[str]:
        """PULL endpoints of the nodes that write logs."""
        writers = self.of_type("logger") or [self.manager]
        return [f"tcp://{_uri_host(n.host)}:{n.port}" for n in writers if n.port]

    @property
    def ipv6(self) -> bool:
        """Whether a node is on an IPv6 address (ZeroMQ's sockets then need ``ZMQ_IPV6``)."""
        return any(":" in n.host for n in self.nodes.values())

    # ------------------------------------------------------------ rendering

    def layout_script(self) -> str:
        """The nodes as Zeek's zeekctl writes them to ``cluster-layout.zeek``."""
        lines = [f"redef Cluster::manager_is_logger = {'T' if self.manager_is_logger else 'F'};"]
        lines.append("redef Cluster::nodes = {")
        mgr = self.manager.name
        for n in self.nodes.values():
            fields = [f"$node_type={n.enum_name}", f"$ip={addr_literal(n.host)}"]
            if n.port:
                fields.append(f"$p={n.port}/tcp")
            if n.type in ("proxy", "worker"):
                fields.append(f"$manager={string_literal(mgr)}")
            if n.metrics_port:
                fields.append(f"$metrics_port={n.metrics_port}/tcp")
            lines.append(f"\t[{string_literal(n.name)}] = [{', '.join(fields)}],")
        lines.append("};")
        return "\n".join(lines) + "\n"

    def config_script(self) -> str:
        """The transport settings (zeekctl's ``zeekctl-config.zeek``), loaded
        after the backend's scripts."""
        z = "Cluster::Backend::ZeroMQ::"
        tag = "EVENT_SERIALIZER_" + self.serializer.upper().replace("-", "_")
        if self.backend == "nats":
            return (
                f"redef Cluster::event_serializer = Cluster::{tag};\n"
                f"redef Cluster::Backend::NATS::url = {string_literal(self.nats_url)};\n"
            )
        pub, sub = self.xsub_endpoint(), self.xpub_endpoint()
        return "".join(
            [
                f"redef Cluster::event_serializer = Cluster::{tag};\n",
                f"redef {z}listen_xpub_endpoint = {string_literal(sub)};\n",
                f"redef {z}listen_xsub_endpoint = {string_literal(pub)};\n",
                f"redef {z}connect_xpub_endpoint = {string_literal(pub)};\n",
                f"redef {z}connect_xsub_endpoint = {string_literal(sub)};\n",
                f"redef {z}ipv6 = T;\n" if self.ipv6 else "",
            ]
        ) + (
            (websocket_config_script(self.websocket) if self.websocket else "")
            + (curve_config_script(self.curve) if self.curve else "")
        )

    def toml(self) -> str:
        out = [
            "# zscript cluster layout (TOML).  Start from this file: `zscript cluster layout > cluster.toml`.",
            "",
            "[cluster]",
            f'serializer = "{self.serializer}"    # or "broker-json-v1"',
            f"xpub_port = {self.xpub_port}             # central XPUB on the manager",
            f"xsub_port = {self.xsub_port}             # central XSUB on the manager",
        ]
        ws = self.websocket
        if ws is None:
            out.append("# websocket = true            # the manager serves the WebSocket API")
        else:
            out += [
                "websocket = true",
                f'websocket_host = "{ws.host}"',
                f"websocket_port = {ws.port}",
            ]
            if ws.cert_file:
                out.append(f"websocket_cert_file = {_toml_string(ws.cert_file)}")
                out.append(f"websocket_key_file = {_toml_string(ws.key_file or '')}")
        if self.encryption:
            out.append("encryption = true")
            if self.curve:
                out += curve_toml(self.curve).splitlines()
        else:
            out.append("# encryption = true           # CURVE on every connection")
        for n in self.nodes.values():
            out += ["", f"[nodes.{n.name}]", f'type = "{n.type}"', f'host = "{n.host}"']
            if n.port:
                out.append(
                    f"port = {n.port}"
                    + ("                # log PULL port" if n.type == "logger" else "")
                )
            if n.metrics_port:
                out.append(f"metrics_port = {n.metrics_port}")
        return "\n".join(out) + "\n"


def _uri_host(host: str) -> str:
    """An address as the host part of a URI (IPv6 in brackets)."""
    return f"[{host}]" if ":" in host else host


def _toml_string(s: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's)."""
    return json.dumps(s, ensure_ascii=False)


def default_layout() -> Layout:
    nodes = [
        NodeSpec("manager", "manager", metrics_port=9991),
        NodeSpec("logger-1", "logger", port=5557, metrics_port=9992),
        NodeSpec("proxy-1", "proxy", metrics_port=9993),
        NodeSpec("worker-1", "worker", metrics_port=9994),
        NodeSpec("worker-2", "worker", metrics_port=9995),
    ]
    return Layout({n.name: n for n in nodes})


_NODE_NAME = re.compile(r"[A-Za-z0-9_-]+")
#: Characters of a node name (it names a directory, files and topics).
MAX_NODE_NAME = 100


def _port(value, where: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 65536:
        raise LayoutError(f"{where}: a port must be an integer between 1 and 65535, not {value!r}")
    return value


def load_layout(path: str | Path | None) -> Layout:
    """Read a layout file (TOML), or return the default layout for None."""
    if path is None:
        return default_layout()
    import tomllib  # here: only a layout file needs it (start-up speed)

    p = Path(path)
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except OSError as e:
        raise LayoutError(f"can't read layout {p}: {e.strerror}") from None
    except UnicodeDecodeError as e:
        raise LayoutError(f"{p}: not UTF-8 text (byte {e.start})") from None
    except tomllib.TOMLDecodeError as e:
        raise LayoutError(f"{p}: {e}") from None
    except RecursionError:
        raise LayoutError(f"{p}: arrays or tables nested too deeply") from None
    cl = data.get("cluster", {})
    if not isinstance(cl, dict):
        raise LayoutError(f"{p}: [cluster] must be a table, not {cl!r}")
    layout = Layout(path=p)
    layout.serializer = cl.get("serializer", layout.serializer)
    if layout.serializer not in SERIALIZERS:
        raise LayoutError(
            f"{p}: unknown serializer {layout.serializer!r} (use one of {', '.join(SERIALIZERS)})"
        )
    layout.backend = cl.get("backend", layout.backend)
    if layout.backend not in BACKENDS:
        raise LayoutError(
            f"{p}: unknown backend {layout.backend!r} (use one of {', '.join(BACKENDS)})"
        )
    layout.nats_url = cl.get("nats_url", layout.nats_url)
    if not isinstance(layout.nats_url, str) or not layout.nats_url.strip():
        raise LayoutError(f"{p} [cluster] nats_url: a string of NATS URLs, not {layout.nats_url!r}")
    layout.xpub_port = _port(cl.get("xpub_port", layout.xpub_port), f"{p} [cluster] xpub_port")
    layout.xsub_port = _port(cl.get("xsub_port", layout.xsub_port), f"{p} [cluster] xsub_port")
    try:
        layout.websocket = layout_websocket_settings(cl, f"{p} [cluster]")
        layout.encryption, layout.curve = layout_curve_keys(cl, f"{p} [cluster]")
    except ValueError as e:
        raise LayoutError(str(e)) from None
    nodes = data.get("nodes")
    if not isinstance(nodes, dict) or not nodes:
        raise LayoutError(f"{p}: no [nodes.<name>] sections")
    for name, spec in nodes.items():
        where = f"{p} [nodes.{name}]"
        if not _NODE_NAME.fullmatch(name):
            raise LayoutError(
                f"{where}: a node name may use only letters, digits, '_' and '-' "
                "(it becomes part of topics and file names)"
            )
        if len(name) > MAX_NODE_NAME:
            raise LayoutError(
                f"{p} [nodes.{name[:20]}...]: a node name may have at most {MAX_NODE_NAME} "
                "characters (it becomes part of topics and file names)"
            )
        if not isinstance(spec, dict):
            raise LayoutError(f"{where}: must be a table (type, host, port, ...), not {spec!r}")
        t = spec.get("type")
        if t not in NODE_TYPES:
            raise LayoutError(f"{where}: type must be one of {', '.join(NODE_TYPES)}, not {t!r}")
        host = spec.get("host", "127.0.0.1")
        try:
            host = str(ipaddress.ip_address(host))
        except (TypeError, ValueError):
            raise LayoutError(f"{where} host: not an IP address: {host!r}") from None
        layout.nodes[name] = NodeSpec(
            name,
            t,
            host,
            _port(spec.get("port"), f"{where} port"),
            _port(spec.get("metrics_port"), f"{where} metrics_port"),
        )
    managers = layout.of_type("manager")
    if len(managers) != 1:
        raise LayoutError(f"{p}: a layout needs exactly one manager (found {len(managers)})")
    if layout.backend == "nats" and (layout.encryption or layout.websocket):
        what = "encryption (CURVE)" if layout.encryption else "websocket"
        raise LayoutError(f'{p} [cluster]: {what} is not available with backend "nats"')
    for lg in layout.of_type("logger") or managers:
        if lg.port is None and layout.backend != "nats":
            what = "a logger" if lg.type == "logger" else "without a logger, the manager"
            raise LayoutError(
                f"{p} [nodes.{lg.name}]: {what} needs a port (where logs are pushed to)"
            )
    return layout
