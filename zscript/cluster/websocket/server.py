"""The WebSocket server: listening socket, TLS and the HTTP handshake.

:class:`WebSocketServer` is one ``Cluster::listen_websocket`` call.  It
binds its socket at once (so the script learns whether listening worked, as
in Zeek), and serves WebSocket connections with the ``websockets`` library
on the host's asyncio loop once that runs.  Each accepted connection becomes
a :class:`~.client.WebSocketClient`.

Checks at the HTTP handshake, before any WebSocket traffic:

* more than :data:`MAX_CLIENTS` clients: ``503`` (Zeek's IXWebSocket limit);
* with tokens (``auth_token``, ``auth_tokens``: a zscript extension; Zeek
  has no authentication): no ``Authorization`` header is ``401`` (with
  ``WWW-Authenticate: Bearer``), a wrong one ``403``, and so is one that is
  not even text (bytes outside ASCII).  Accepted are ``Bearer <token>`` and
  HTTP Basic credentials whose password is the token (what a
  ``ws://user:token@host`` URI makes a client send).  Tokens are compared in
  constant time; the token presented decides the client's access
  (:class:`~..access.ClientAccess`, kept on the connection as
  ``zscript_access``).

The path and ``X-Application-Name`` are checked after the handshake, as
Zeek does, because those errors are reported in WebSocket messages.
Compression is off (as in Zeek), incoming messages are limited to
``max_message_size`` bytes (larger ones close the connection with 1009) and
at most ``max_event_queue_size`` of a client's messages are buffered before
reading from it pauses.  Pings are the clients' business
(:mod:`.client`), so that a timeout closes with Zeek's code and reason.

What the library writes by itself is bounded too (:class:`_Connection`): a
client that keeps sending pings but never reads the pongs is disconnected
once :data:`AUTO_REPLY_LIMIT` bytes of them wait to be sent, as a slow
client (see :mod:`.client`).

The library's own log messages go to the host's reporter as one-line
warnings (never a Python traceback).

At shutdown every client is sent 1001 "Terminating"; a plain connection is
then half-closed and read (what arrives is dropped) until the client closes
too or :data:`LINGER` seconds pass, so a client busy sending still gets the
close frame rather than a reset.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hmac
import http
import logging
import socket

from websockets.asyncio.server import ServerConnection, serve

from ...engine.liblog import LibraryLogHandler
from ...version import __version__
from ..access import FULL_ACCESS
from .client import CLOSE_TIMEOUT, WRITE_BUFFER_LIMIT, WebSocketClient
from .options import ServerOptions

__all__ = ["MAX_CLIENTS", "WebSocketServer"]

#: Connections served at once (IXWebSocket's default, which Zeek uses).
MAX_CLIENTS = 100
#: Seconds a client has to complete the HTTP handshake.
HANDSHAKE_TIMEOUT = 10.0
#: Seconds, at shutdown, to read what clients still send after our close
#: frame (see :func:`linger`).
LINGER = 2.0
#: Bytes of automatic replies (pongs) a client may leave unread.
AUTO_REPLY_LIMIT = 1 << 20


class _Connection(ServerConnection):
    """A server connection that bounds the replies the library writes by itself.

    Whatever the write buffer grows by while the library handles incoming
    data is an automatic reply (a pong, the echo of a close frame): the
    handler's own sends happen in other callbacks.  Those bytes are counted
    until the buffer drains below :data:`~.client.WRITE_BUFFER_LIMIT` (the
    client reads); past :data:`AUTO_REPLY_LIMIT` the client is cut off:
    ``on_overflow`` (set by its :class:`~.client.WebSocketClient`), else the
    connection is aborted.
    """

    auto_bytes = 0
    on_overflow = None
    #: What the client may do (set at the handshake from the token it presented).
    zscript_access = FULL_ACCESS

    def data_received(self, data: bytes) -> None:
        transport = self.transport
        before = transport.get_write_buffer_size()
        super().data_received(data)
        if before < WRITE_BUFFER_LIMIT:
            self.auto_bytes = 0
        grown = transport.get_write_buffer_size() - before
        if grown > 0:
            self.auto_bytes += grown
            if self.auto_bytes > AUTO_REPLY_LIMIT and not transport.is_closing():
                self.auto_bytes = 0
                if self.on_overflow is not None:
                    try:
                        self.on_overflow()
                    except Exception:  # noqa: BLE001, S110 - cut off in any case
                        pass
                transport.abort()


class WebSocketServer:
    """One listening WebSocket server; see the module docstring.

    :param sub: the :class:`~.subsystem.WebSocketSubsystem` (the hosting node).
    """

    def __init__(self, options: ServerOptions, sub):
        self.options = options
        self.sub = sub
        self.clients: set[WebSocketClient] = set()
        self._sock: socket.socket | None = None
        self._ssl = None
        self._tls_errors: set[str] = set()
        self._ws_server = None
        self._task: asyncio.Task | None = None
        self._terminated = False
        # At WARNING, as its handler: a logger outside the hierarchy is at
        # NOTSET, which would make the library build a debug record per frame.
        logger = logging.Logger("zscript.cluster.websocket", logging.WARNING)
        logger.propagate = False
        logger.addHandler(LibraryLogHandler(sub.host.reporter.warning, "WebSocket: "))
        self._logger = logger

    # ------------------------------------------------------------ lifecycle

    def listen(self) -> None:
        """Bind the socket and set up TLS; raises ``OSError`` or ``ssl.SSLError``.
        TLS files that cannot be read are tried again at each connection
        (reported once per reason), as Zeek's server reads them then."""
        o = self.options
        if o.tls is not None:
            self._ssl = o.tls.context(self._tls_failed)
        family = socket.AF_INET6 if ":" in o.listen_addr else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((o.listen_addr, o.listen_port))
            sock.listen(128)
            sock.setblocking(False)
        except OSError:
            sock.close()
            raise
        self._sock = sock

    def _tls_failed(self, e: Exception) -> None:
        text = str(e)
        if text not in self._tls_errors:
            self._tls_errors.add(text)
            where = self.options.where()
            self.sub.host.reporter.error(
                f"WebSocket: cannot accept TLS connections on {where}: {e}"
            )

    def start(self, aloop) -> None:
        """Serve connections (called with the asyncio loop once it runs)."""
        if self._terminated:
            return
        self._task = aloop.create_task(self._serve())

    async def _serve(self) -> None:
        o = self.options
        try:
            self._ws_server = await serve(
                self._handle,
                sock=self._sock,
                ssl=self._ssl,
                process_request=self._check_request,
                create_connection=_Connection,
                compression=None,
                max_size=o.max_message_size,
                max_queue=max(1, o.max_event_queue_size),
                ping_interval=None,
                close_timeout=CLOSE_TIMEOUT,
                open_timeout=HANDSHAKE_TIMEOUT,
                server_header=f"zscript/{__version__}",
                logger=self._logger,
            )
        except Exception as e:  # noqa: BLE001 - reported; the process goes on
            self.sub.host.reporter.error(f"WebSocket: cannot serve on {o.where()}: {e}")

    def terminate(self) -> None:
        """Stop listening and close every client with 1001 "Terminating" (synchronously)."""
        self._terminated = True
        drains = [client.terminate() for client in list(self.clients)]
        self.clients.clear()
        linger([d for d in drains if d is not None], LINGER)
        if self._ws_server is not None:
            self._ws_server.server.close()
        elif self._sock is not None:
            self._sock.close()
        if self._task is not None and not self._task.done():
            self._task.cancel()

    # ------------------------------------------------------------ handshake

    def _check_request(self, connection, request):
        """``process_request``: refuse before the WebSocket handshake (None accepts)."""
        try:
            if len(self.clients) >= MAX_CLIENTS:
                self.sub.stats.refused += 1
                return connection.respond(
                    http.HTTPStatus.SERVICE_UNAVAILABLE, "Too many WebSocket clients\n"
                )
            tokens = self.options.tokens
            if not tokens:
                return None
            values = request.headers.get_all("Authorization")
            if not values:
                self.sub.stats.refused += 1
                resp = connection.respond(http.HTTPStatus.UNAUTHORIZED, "Missing credentials\n")
                resp.headers["WWW-Authenticate"] = 'Bearer realm="zscript"'
                return resp
            for token, access in tokens:
                if any(_credential_matches(v, token) for v in values):
                    connection.zscript_access = access
                    return None
            self.sub.stats.refused += 1
            return connection.respond(http.HTTPStatus.FORBIDDEN, "Invalid credentials\n")
        except Exception as e:  # noqa: BLE001 - refuse rather than crash
            self.sub.host.reporter.warning(f"WebSocket: handshake check failed: {e}")
            return connection.respond(http.HTTPStatus.INTERNAL_SERVER_ERROR, "Internal error\n")

    async def _handle(self, ws) -> None:
        client = WebSocketClient(self, ws, self.sub.next_client_number())
        self.clients.add(client)
        try:
            await client.run()
        finally:
            self.clients.discard(client)


def _credential_matches(header: str, token: bytes) -> bool:
    """Whether one ``Authorization`` value carries ``token`` (Bearer, or Basic's password)."""
    # websockets decodes header bytes as ISO-8859-1 (or keeps them as
    # surrogate escapes); either way they come back as the bytes sent.
    try:
        raw = header.strip().encode("latin-1", "surrogateescape")
    except UnicodeEncodeError:
        return False
    scheme, _, cred = raw.partition(b" ")
    scheme = scheme.lower()
    cred = cred.strip()
    if scheme == b"bearer":
        return hmac.compare_digest(cred, token)
    if scheme == b"basic":
        try:
            decoded = base64.b64decode(cred, validate=True)
        except (binascii.Error, ValueError):
            return False
        _, sep, password = decoded.partition(b":")
        return bool(sep) and hmac.compare_digest(password, token)
    return False


def linger(socks: list[socket.socket], timeout: float) -> None:
    """Read and drop what the clients still send on ``socks`` (half-closed
    after our close frame) until each reaches its end or ``timeout`` seconds
    pass, then close them: a client sending when the node shuts down gets
    the close frame instead of a reset (Zeek's clients see 1001)."""
    import selectors
    import time

    deadline = time.monotonic() + timeout
    with selectors.DefaultSelector() as sel:
        for s in socks:
            s.setblocking(False)
            sel.register(s, selectors.EVENT_READ)
        while sel.get_map():
            left = deadline - time.monotonic()
            if left <= 0:
                break
            for key, _ in sel.select(left):
                try:
                    data = key.fileobj.recv(65536)
                except BlockingIOError:
                    continue
                except OSError:
                    data = b""
                if not data:
                    sel.unregister(key.fileobj)
    for s in socks:
        s.close()
