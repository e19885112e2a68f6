"""Zeek's WebSocket API for zscript cluster nodes (``Cluster::listen_websocket``).

A node that listens accepts WebSocket clients speaking Zeek's v1 protocol
(``/v1/messages/json``); each client becomes an endpoint of the cluster with
its own backend connection, publishing and subscribing like a node.

* :mod:`.options`: the script's options record, checked;
* :mod:`.protocol`: the v1 messages and the JSON data model of events (no I/O);
* :mod:`.server`: the listening socket, TLS and the HTTP handshake (auth);
* :mod:`.client`: one client's session (subscriptions, ack, queues, pings);
* :mod:`.subsystem`: ``install(host)``, the built-in function and the link to
  the hosting node's cluster subsystem;
* :mod:`.config`: the script a cluster layout renders to switch the server on.

Only :mod:`.server` and :mod:`.client` import the ``websockets`` library,
and only once a server is started.
"""

from __future__ import annotations

from .config import WebSocketSettings, layout_websocket_settings, websocket_config_script
from .subsystem import WebSocketSubsystem, install

__all__ = [
    "WebSocketSettings",
    "WebSocketSubsystem",
    "install",
    "layout_websocket_settings",
    "websocket_config_script",
]
