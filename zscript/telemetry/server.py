"""The Prometheus HTTP endpoint: ``GET /metrics`` and, on the manager, ``/services.json``.

:class:`MetricsServer` is a small HTTP/1.1 server that answers:

``GET /metrics``
    ``200``, Prometheus text format 0.0.4 (the format prometheus-cpp serves),
    produced by ``render()``, which the telemetry subsystem implements by
    collecting on the event-loop thread.
``GET /services.json``
    Only when built with ``services_json`` (the manager): ``200``,
    ``application/json``, the body fixed when listening starts (see
    :func:`services_json`).
``GET <path>`` of ``documents``
    ``200``, ``application/json``: what the document's function returns (it
    runs on the server's thread and must not block; the cluster's manager
    serves its view of the nodes as ``/cluster.json`` this way).
anything else
    ``404`` (``405`` for other methods than ``GET`` and ``HEAD``, ``400`` for
    what is not an HTTP request, ``431`` for a request head over
    :data:`MAX_HEAD` bytes).

It runs in one daemon thread with its own asyncio loop, as Zeek's civetweb
exposer runs beside the main loop: every connection is a coroutine, not a
thread, so idle or slow clients cost a few kilobytes each and never a thread
(at most :data:`MAX_CONNECTIONS` at once; more are closed at once and
counted).  ``render()`` may block (it waits for the event loop), so it runs
in a pool of :data:`RENDER_THREADS` threads.  A connection that sends no
complete request for :data:`IDLE_TIMEOUT` seconds, or does not read its
answer within :data:`WRITE_TIMEOUT` seconds, is closed.  A client that hangs
up early only ends its own connection.

The server never keeps the process alive (Zeek's telemetry I/O source does
not count either) and logs nothing per request.  :meth:`MetricsServer.stop`
closes the socket and every connection; handlers still waiting for metrics
give up.
"""

from __future__ import annotations

import asyncio
import concurrent.futures as cf
import ipaddress
import json
import socket
import threading
from collections.abc import Callable, Iterable
from http import HTTPStatus
from urllib.parse import urlsplit

__all__ = ["CONTENT_TYPE", "MAX_CONNECTIONS", "MetricsServer", "services_json"]

#: The classic text format (what Zeek's prometheus-cpp exposer answers with).
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
#: Connections served at once; more are closed as soon as they are accepted.
MAX_CONNECTIONS = 256
#: Bytes of a request line plus headers.
MAX_HEAD = 16 * 1024
#: Seconds a connection may wait between requests (or take to send one).
IDLE_TIMEOUT = 30.0
#: Seconds a client may take to read an answer.
WRITE_TIMEOUT = 30.0
#: Threads rendering ``/metrics`` (each may wait for the event loop).
RENDER_THREADS = 2

_TEXT = "text/plain; charset=utf-8"


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


class _Closed(Exception):
    """The connection is done (the client went away, timed out, or asked to close)."""


class MetricsServer:
    """The endpoint on ``address:port``; see the module docstring.

    :param render: returns the ``/metrics`` body (called on a pool thread).
    :param services: the ``/services.json`` body, or None to answer 404.
    :param documents: more JSON documents by path (read when requested, so
        paths added later are served too).
    """

    def __init__(
        self,
        address: str,
        port: int,
        render: Callable[[], bytes],
        services: bytes | None,
        documents: dict[str, Callable[[], bytes]] | None = None,
    ):
        self.address = address
        self.port = port
        self.render = render
        self.services = services
        self.documents = documents if documents is not None else {}
        self.bytes_sent = 0
        self.scrapes = 0
        #: Connections closed at once because :data:`MAX_CONNECTIONS` were open.
        self.refused = 0
        self._lock = threading.Lock()
        self._sock: socket.socket | None = None
        self._aloop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._conns: set[asyncio.Task] = set()
        self._pool: cf.ThreadPoolExecutor | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Bind and serve.  :raises OSError: the address cannot be bound."""
        address = self.address.strip("[]")
        family = socket.AF_INET6 if _is_ipv6(address) else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((address, self.port))
            sock.listen(128)
            sock.setblocking(False)
        except OSError:
            sock.close()
            raise
        self._sock = sock
        self._pool = cf.ThreadPoolExecutor(RENDER_THREADS, thread_name_prefix="telemetry-render")
        self._aloop = asyncio.new_event_loop()
        ready = threading.Event()
        self._thread = threading.Thread(
            target=self._run, args=(ready,), name=f"telemetry-http-{self.port}", daemon=True
        )
        self._thread.start()
        ready.wait(5)

    @property
    def listening(self) -> bool:
        return self._sock is not None

    def count(self, n: int) -> None:
        with self._lock:
            self.bytes_sent += n
            self.scrapes += 1

    def stats(self) -> tuple[int, int]:
        with self._lock:
            return self.bytes_sent, self.scrapes

    def stop(self) -> None:
        """Stop serving, close the socket and every connection (idempotent)."""
        sock, self._sock = self._sock, None
        if sock is None:
            return
        aloop, stopping = self._aloop, self._stopping
        if aloop is not None and stopping is not None:
            try:
                aloop.call_soon_threadsafe(stopping.set)
            except RuntimeError:  # the loop is already closed
                pass
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
        sock.close()

    # ------------------------------------------------------------ the thread

    def _run(self, ready: threading.Event) -> None:
        aloop = self._aloop
        asyncio.set_event_loop(aloop)
        try:
            aloop.run_until_complete(self._serve(ready))
        finally:
            ready.set()
            aloop.close()

    async def _serve(self, ready: threading.Event) -> None:
        self._stopping = asyncio.Event()
        server = await asyncio.start_server(self._connection, sock=self._sock, limit=MAX_HEAD)
        ready.set()
        try:
            await self._stopping.wait()
        finally:
            server.close()
            for task in list(self._conns):
                task.cancel()
            if self._conns:
                await asyncio.wait(list(self._conns), timeout=2)

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        task = asyncio.current_task()
        if len(self._conns) >= MAX_CONNECTIONS:
            with self._lock:
                self.refused += 1
            writer.transport.abort()
            return
        self._conns.add(task)
        try:
            while await self._request(reader, writer):
                pass
        except (_Closed, OSError, asyncio.CancelledError):
            pass
        except Exception:  # noqa: BLE001 - one connection's problem never ends the server
            pass
        finally:
            self._conns.discard(task)
            writer.transport.abort()

    async def _request(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        """Answer one request; whether the connection stays open for another."""
        try:
            async with asyncio.timeout(IDLE_TIMEOUT):
                head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.LimitOverrunError:
            await self._send(writer, HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, _TEXT, b"", False)
            return False
        except (asyncio.IncompleteReadError, TimeoutError) as e:
            raise _Closed from e
        lines = head[:-4].split(b"\r\n")
        parts = lines[0].split()
        if len(parts) != 3 or not parts[2].startswith(b"HTTP/1."):
            await self._send(writer, HTTPStatus.BAD_REQUEST, _TEXT, b"bad request\n", False)
            return False
        method, target, version = parts
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            headers[name.strip().lower()] = value.strip().lower()
        keep = version == b"HTTP/1.1" and headers.get(b"connection") != b"close"
        if headers.get(b"content-length", b"0") != b"0" or b"transfer-encoding" in headers:
            # No request of ours has a body; not reading one keeps memory bounded.
            await self._send(writer, HTTPStatus.BAD_REQUEST, _TEXT, b"unexpected body\n", False)
            return False
        if method not in (b"GET", b"HEAD"):
            await self._send(writer, HTTPStatus.METHOD_NOT_ALLOWED, _TEXT, b"GET only\n", False)
            return False
        path = urlsplit(target.decode("latin-1")).path
        head_only = method == b"HEAD"
        if path == "/metrics":
            try:
                body = await asyncio.get_running_loop().run_in_executor(self._pool, self.render)
            except Exception as exc:  # noqa: BLE001 - a failed collection is a 500, not a crash
                msg = f"collection failed: {exc}\n".encode()
                await self._send(writer, HTTPStatus.INTERNAL_SERVER_ERROR, _TEXT, msg, keep)
                return keep
            await self._send(writer, HTTPStatus.OK, CONTENT_TYPE, body, keep, head_only)
            self.count(len(body))
        elif path == "/services.json" and self.services is not None:
            await self._send(
                writer, HTTPStatus.OK, "application/json", self.services, keep, head_only
            )
        elif path in self.documents:
            body = self.documents[path]()
            await self._send(writer, HTTPStatus.OK, "application/json", body, keep, head_only)
        else:
            await self._send(writer, HTTPStatus.NOT_FOUND, _TEXT, b"not found\n", keep, head_only)
        return keep

    async def _send(
        self,
        writer: asyncio.StreamWriter,
        status: HTTPStatus,
        ctype: str,
        body: bytes,
        keep: bool,
        head_only: bool = False,
    ) -> None:
        if writer.transport.is_closing():
            raise _Closed
        head = (
            f"HTTP/1.1 {status.value} {status.phrase}\r\n"
            "Server: zscript-telemetry\r\n"
            f"Content-Type: {ctype}\r\n"
            f"Content-Length: {len(body)}\r\n"
            f"Connection: {'keep-alive' if keep else 'close'}\r\n\r\n"
        ).encode("latin-1")
        writer.write(head if head_only else head + body)
        try:
            async with asyncio.timeout(WRITE_TIMEOUT):
                await writer.drain()
        except TimeoutError as e:
            raise _Closed from e


def _is_ipv6(address: str) -> bool:
    try:
        return ipaddress.ip_address(address).version == 6
    except ValueError:
        return False
