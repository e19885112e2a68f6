"""Switching the WebSocket server on from a cluster layout (zeekctl's ``UseWebSocket``).

A layout enables it in its ``[cluster]`` table; the manager then listens,
as zeekctl's manager does with ``UseWebSocket = 1``::

    [cluster]
    websocket = true                  # zeekctl's UseWebSocket: on 127.0.0.1:27759
    websocket_host = "127.0.0.1"      # zeekctl's WebSocketHost (the default)
    websocket_port = 27759            # zeekctl's WebSocketPort (the default)
    websocket_cert_file = "/etc/zscript/ws.pem"   # TLS (zscript): both files,
    websocket_key_file = "/etc/zscript/ws.key"    # absolute paths

``websocket_port`` alone switches the server on too; ``websocket = false``
keeps it off whatever else is set.  Without any of these keys there is no
server (unlike zeekctl, whose default is on: a layout does not open an
unauthenticated pub/sub port unless asked to).

:func:`layout_websocket_settings` reads and checks those keys (the layout
loader calls it with the ``[cluster]`` table) and returns
:class:`WebSocketSettings`; :func:`websocket_config_script` renders the
script that every node of such a layout loads after the cluster and backend
scripts: on the manager, a ``zeek_init`` handler calling
``Cluster::listen_websocket``, and a fatal error if that fails (before the
manager reports itself up, so that ``zscript cluster start`` fails and shows
why).  The bearer token is never written to the
layout: if ``ZSCRIPT_WEBSOCKET_AUTH_TOKEN`` is set in the manager's
environment (the supervisor passes its own environment on), clients must
present it.
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass

from ..scriptgen import addr_literal, string_literal

__all__ = [
    "DEFAULT_HOST",
    "DEFAULT_PORT",
    "TOKEN_ENV",
    "WebSocketSettings",
    "layout_websocket_settings",
    "websocket_config_script",
]

DEFAULT_HOST = "127.0.0.1"
#: zeekctl's ``WebSocketPort`` and ``policy/frameworks/cluster/websocket/server``'s port.
DEFAULT_PORT = 27759
#: The environment variable holding the bearer token clients must present.
TOKEN_ENV = "ZSCRIPT_WEBSOCKET_AUTH_TOKEN"

_KEYS = (
    "websocket",
    "websocket_host",
    "websocket_port",
    "websocket_cert_file",
    "websocket_key_file",
)


@dataclass(frozen=True)
class WebSocketSettings:
    """Where the manager of a layout serves the WebSocket API, and its TLS files."""

    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    cert_file: str | None = None
    key_file: str | None = None

    @property
    def url(self) -> str:
        """The URL clients connect to."""
        ip = ipaddress.ip_address(self.host)
        host = f"[{ip}]" if ip.version == 6 else str(ip)
        scheme = "wss" if self.cert_file else "ws"
        return f"{scheme}://{host}:{self.port}/v1/messages/json"


def layout_websocket_settings(cluster: dict, where: str = "[cluster]") -> WebSocketSettings | None:
    """The settings in a layout's ``[cluster]`` table, or None when the server is off.

    :raises ValueError: a bad value (the message names ``where`` and the key).
    """
    switch = cluster.get("websocket")
    if switch is not None and type(switch) is not bool:
        raise ValueError(f"{where} websocket: must be true or false, not {switch!r}")
    port = cluster.get("websocket_port", DEFAULT_PORT)
    if type(port) is not int or not 0 < port < 65536:
        raise ValueError(
            f"{where} websocket_port: a port must be an integer between 1 and 65535, not {port!r}"
        )
    host = cluster.get("websocket_host", DEFAULT_HOST)
    try:
        ipaddress.ip_address(host)
    except (TypeError, ValueError):
        raise ValueError(f"{where} websocket_host: not an IP address: {host!r}") from None
    files = {}
    for key in ("websocket_cert_file", "websocket_key_file"):
        value = cluster.get(key)
        if value is None:
            continue
        if type(value) is not str or not os.path.isabs(value):
            raise ValueError(
                f"{where} {key}: must be an absolute path (nodes run in their own "
                f"directories), not {value!r}"
            )
        files[key] = value
    if len(files) == 1:
        (given,) = files
        missing = ({"websocket_cert_file", "websocket_key_file"} - {given}).pop()
        raise ValueError(f"{where} {given}: TLS needs {missing} too")
    if switch is None:
        switch = "websocket_port" in cluster
        if not switch and any(k in cluster for k in _KEYS):
            given = next(k for k in _KEYS if k in cluster)
            raise ValueError(f"{where} {given}: needs websocket = true (or websocket_port)")
    if not switch:
        return None
    return WebSocketSettings(
        str(ipaddress.ip_address(host)),
        port,
        files.get("websocket_cert_file"),
        files.get("websocket_key_file"),
    )


def websocket_config_script(settings: WebSocketSettings) -> str:
    """The script that makes the manager listen as ``settings`` say (see the module docstring)."""
    addr = addr_literal(settings.host)
    tls = ""
    if settings.cert_file:
        tls = (
            "\topts$tls_options = Cluster::WebSocketTLSOptions("
            f"$cert_file={string_literal(settings.cert_file)}, $key_file={string_literal(settings.key_file or '')});\n"
        )
    return (
        "@load base/frameworks/cluster/websocket\n"
        "\n"
        "@if ( Cluster::local_node_type() == Cluster::MANAGER )\n"
        "# Before the backend starts: a manager that cannot listen fails its start.\n"
        "event zeek_init() &priority=20\n"
        "\t{\n"
        f"\tlocal opts = Cluster::WebSocketServerOptions($listen_addr={addr}, "
        f"$listen_port={settings.port}/tcp);\n"
        f"{tls}"
        f'\tlocal token = getenv("{TOKEN_ENV}");\n'
        "\tif ( |token| > 0 )\n"
        "\t\topts$auth_token = token;\n"
        "\tif ( ! Cluster::listen_websocket(opts) )\n"
        f'\t\tReporter::fatal("WebSocket API: cannot listen on {addr}:{settings.port}");\n'
        "\t}\n"
        "@endif\n"
    )
