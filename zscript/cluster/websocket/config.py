"""Switching the WebSocket server on from a cluster layout (zeekctl's ``UseWebSocket``).

A layout enables it in its ``[cluster]`` table; the manager then listens,
as zeekctl's manager does with ``UseWebSocket = 1``::

    [cluster]
    websocket_port = 27759            # zeekctl's WebSocketPort; no key: no server
    websocket_host = "127.0.0.1"      # zeekctl's WebSocketHost (the default)

:func:`layout_websocket_settings` reads and checks those keys (the layout
loader calls it with the ``[cluster]`` table), :func:`websocket_config_script`
renders the script that every node of such a layout loads after the cluster
and backend scripts: on the manager, a ``zeek_init`` handler calling
``Cluster::listen_websocket``.  The bearer token is never written to the
layout: if ``ZSCRIPT_WEBSOCKET_AUTH_TOKEN`` is set in the manager's
environment, clients must present it.
"""

from __future__ import annotations

import ipaddress

__all__ = ["DEFAULT_HOST", "layout_websocket_settings", "websocket_config_script"]

DEFAULT_HOST = "127.0.0.1"


def layout_websocket_settings(cluster: dict, where: str = "[cluster]") -> tuple[str, int] | None:
    """``(host, port)`` from a layout's ``[cluster]`` table, or None without ``websocket_port``.

    :raises ValueError: a bad port or host (the message names ``where``).
    """
    port = cluster.get("websocket_port")
    host = cluster.get("websocket_host", DEFAULT_HOST)
    if port is None:
        if "websocket_host" in cluster:
            raise ValueError(f"{where}: websocket_host needs websocket_port")
        return None
    if type(port) is not int or not 0 < port < 65536:
        raise ValueError(
            f"{where} websocket_port: a port must be an integer between 1 and 65535, not {port!r}"
        )
    try:
        ipaddress.ip_address(host)
    except (TypeError, ValueError):
        raise ValueError(f"{where} websocket_host: not an IP address: {host!r}") from None
    return host, port


def websocket_config_script(host: str, port: int) -> str:
    """The script that makes the manager listen on ``host:port`` (see the module docstring)."""
    ip = ipaddress.ip_address(host)
    addr = f"[{ip}]" if ip.version == 6 else str(ip)
    return (
        "@load base/frameworks/cluster/websocket\n"
        "\n"
        "@if ( Cluster::local_node_type() == Cluster::MANAGER )\n"
        "event zeek_init()\n"
        "\t{\n"
        f"\tlocal opts = Cluster::WebSocketServerOptions($listen_addr={addr}, "
        f"$listen_port={port}/tcp);\n"
        '\tlocal token = getenv("ZSCRIPT_WEBSOCKET_AUTH_TOKEN");\n'
        "\tif ( |token| > 0 )\n"
        "\t\topts$auth_token = token;\n"
        "\tCluster::listen_websocket(opts);\n"
        "\t}\n"
        "@endif\n"
    )
