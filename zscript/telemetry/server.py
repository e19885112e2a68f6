"""The Prometheus HTTP endpoint: ``GET /metrics`` and, on the manager, ``/services.json``.

:class:`MetricsServer` is a small threaded HTTP server (standard library)
running in a daemon thread, as Zeek's civetweb exposer does:

``GET /metrics``
    ``200``, Prometheus text format 0.0.4 (the format prometheus-cpp serves),
    produced by ``render()``, which the telemetry subsystem implements by
    collecting on the event-loop thread.
``GET /services.json``
    Only when built with ``services_json`` (the manager): ``200``,
    ``application/json``, the body fixed when listening starts (see
    :func:`services_json`).
anything else
    ``404``.

The server never keeps the process alive (Zeek's telemetry I/O source does
not count either) and logs nothing per request.  :meth:`MetricsServer.stop`
closes the socket; handlers still waiting for metrics give up.
"""

from __future__ import annotations

import ipaddress
import json
import socket
import threading
from collections.abc import Callable, Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

__all__ = ["CONTENT_TYPE", "MetricsServer", "services_json"]

#: The classic text format (what Zeek's prometheus-cpp exposer answers with).
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def services_json(targets: Iterable[tuple[str, int]]) -> bytes:
    """The body of ``/services.json``: Prometheus HTTP service discovery for
    ``(ip, port)`` targets, IPv6 addresses bracketed (Zeek's ``BuildClusterJson``)::

        [{"targets":["127.0.0.1:9991","127.0.0.1:9992"],"labels":{}}]
    """
    out = []
    for ip, port in targets:
        host = f"[{ip}]" if ":" in ip else ip
        out.append(f"{host}:{port}")
    return json.dumps([{"targets": out, "labels": {}}], separators=(",", ":")).encode()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    #: Set per instance: the MetricsServer that owns it.
    owner: MetricsServer


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    server_version = "zscript-telemetry"
    #: Seconds an idle kept-alive connection may hold its thread.
    timeout = 60

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        owner = self.server.owner
        path = urlsplit(self.path).path
        if path == "/metrics":
            try:
                body = owner.render()
            except Exception as exc:  # noqa: BLE001 - a failed collection is a 500, not a crash
                self._send(500, "text/plain; charset=utf-8", f"collection failed: {exc}\n".encode())
                return
            self._send(200, CONTENT_TYPE, body)
            owner.count(len(body))
        elif path == "/services.json" and owner.services is not None:
            self._send(200, "application/json", owner.services)
        else:
            self._send(404, "text/plain; charset=utf-8", b"not found\n")

    def _send(self, code: int, ctype: str, body: bytes) -> None:
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args) -> None:  # noqa: A002 - http.server's signature
        pass


class MetricsServer:
    """The endpoint on ``address:port``; see the module docstring.

    :param render: returns the ``/metrics`` body (called on a server thread).
    :param services: the ``/services.json`` body, or None to answer 404.
    """

    def __init__(
        self, address: str, port: int, render: Callable[[], bytes], services: bytes | None
    ):
        self.address = address
        self.port = port
        self.render = render
        self.services = services
        self.bytes_sent = 0
        self.scrapes = 0
        self._lock = threading.Lock()
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Bind and serve.  :raises OSError: the address cannot be bound."""
        cls = _Server
        address = self.address.strip("[]")
        if _is_ipv6(address):
            cls = type("_Server6", (_Server,), {"address_family": socket.AF_INET6})
        httpd = cls((address, self.port), _Handler)
        httpd.owner = self
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever,
            kwargs={"poll_interval": 0.25},
            name=f"telemetry-http-{self.port}",
            daemon=True,
        )
        self._thread.start()

    @property
    def listening(self) -> bool:
        return self._httpd is not None

    def count(self, n: int) -> None:
        with self._lock:
            self.bytes_sent += n
            self.scrapes += 1

    def stats(self) -> tuple[int, int]:
        with self._lock:
            return self.bytes_sent, self.scrapes

    def stop(self) -> None:
        """Stop serving and close the socket (idempotent)."""
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        httpd.shutdown()
        httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)


def _is_ipv6(address: str) -> bool:
    try:
        return ipaddress.ip_address(address).version == 6
    except ValueError:
        return False
