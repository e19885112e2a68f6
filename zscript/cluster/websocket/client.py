"""One WebSocket client of the hosting node: Zeek's v1 protocol, step by step.

:meth:`WebSocketClient.run` handles one connection:

1. A path other than :data:`~.protocol.PATH` gets the ``invalid_uri`` error
   and close 1008; an ``X-Application-Name`` outside Zeek's character set
   gets ``invalid_application_name`` and close 1008.  No backend is made,
   and ``Cluster::websocket_client_lost`` is not raised for these.
2. The first message must come within :data:`SUBSCRIBE_DEADLINE` seconds
   (zscript: Zeek waits forever, so idle connections could hold every client
   slot), else the connection is closed with 1008 and the slot freed.  It
   must be the JSON array of topic prefixes, at most
   :data:`MAX_SUBSCRIPTIONS` of them, each at most
   :data:`~..access.MAX_TOPIC` bytes (``limit_exceeded``) and allowed by
   the client's access (``not_allowed``).  If it is not, the client gets the
   error reply and, unlike Zeek (which keeps such a connection open but never
   acknowledges it), close 1008 with the error's context as reason.
3. The client gets its own cluster backend (a ZeroMQ connection to the
   central proxy) with the id ``<hosting node id>-websocket-<n>``: what it
   publishes reaches every subscriber, the hosting node included, and it
   never receives its own publishes.  The backend subscribes, plus a throw-away
   "ready" topic; once that shows up on the backend's own XPUB, every
   earlier subscription has reached the proxy and the other nodes'
   subscriptions are known (Zeek's ready-to-publish heuristic).  Then
   ``Cluster::websocket_client_added`` is raised and the ``ack`` sent.
   Reading pauses until then, so what the client sent early is handled
   after the ack, in order; cluster events that arrive before it are not
   forwarded.  No readiness within :data:`READY_TIMEOUT` closes with 1011.
4. After the ack, each message is a data message: published on its topic,
   or answered with an error reply (the connection stays open).  What the
   client's access does not allow (:class:`~..access.ClientAccess`: topics,
   events, and never the events a node raises about itself, such as
   ``zeek_init``) gets ``not_allowed``.  Binary
   frames are read like text frames holding the same bytes (as Zeek's
   server does).  Events arriving on the client's topics are sent to it.
   The common message (an event seen before, in the canonical shape) takes
   a shortcut with the same outcome (:mod:`.ingest`).

Outgoing messages (events, error replies) are written at once while the
client keeps up and its connection is open (once the transport is closing,
say after a reset, nothing more is written: no write is attempted on a dead
socket) (the kernel's socket buffer and at most
:data:`WRITE_BUFFER_LIMIT` bytes of the connection's write buffer hold
them).  Beyond that they wait in a queue of at most
``max_outgoing_queue_size`` messages that a writer task drains at the
client's pace.  When it is full the queue is dropped and the client closed
with 1013 "Outgoing queue full: client too slow": memory per client stays
bounded however slowly it reads, and a burst of events never counts
against a client that reads.  A client that sends pings but never reads
the pongs is cut off the same way (1013, the connection aborted at once:
see ``server._Connection``).  Every close is bounded by
:data:`CLOSE_TIMEOUT`, after which the TCP connection is aborted.

Pings: every ``ping_interval`` seconds; a client whose pong has not arrived
by the next ping is closed with 1011 "Ping timeout" (Zeek's code and reason).

When the connection is gone, the backend is terminated and then
``Cluster::websocket_client_lost`` raised with the code and reason the
client sent, or those this node closed it with (1006 if neither).  On
shutdown clients are sent 1001 "Terminating" and no event is raised.
"""

from __future__ import annotations

import asyncio
import os
import socket
from collections import deque

from websockets.asyncio.server import broadcast
from websockets.exceptions import ConnectionClosed
from websockets.protocol import OPEN

from ..access import FULL_ACCESS, MAX_TOPIC
from .protocol import (
    CTX_INVALID_APP,
    CTX_INVALID_URI,
    CTX_NO_EVENT,
    DESERIALIZATION_FAILED,
    INVALID_APPLICATION_NAME,
    INVALID_URI,
    LIMIT_EXCEEDED,
    NOT_ALLOWED,
    PATH,
    ProtocolError,
    ack_message,
    error_message,
    parse_subscriptions,
    valid_application_name,
    zeek_string,
)

__all__ = [
    "CLOSE_TIMEOUT",
    "MAX_SUBSCRIPTIONS",
    "READY_TIMEOUT",
    "SLOW_CLIENT_REASON",
    "SUBSCRIBE_DEADLINE",
    "WebSocketClient",
]

#: Seconds a close (or a send before the ack) may take before the connection is aborted.
CLOSE_TIMEOUT = 5.0
#: Seconds to wait for the client's subscriptions to become active.
READY_TIMEOUT = 30.0
#: Seconds a client has, after the handshake, to send its subscriptions.
SUBSCRIBE_DEADLINE = 5.0
SUBSCRIBE_TIMEOUT_REASON = "No subscriptions received in time"
#: Topic prefixes one client may subscribe to.
MAX_SUBSCRIPTIONS = 1000
#: Bytes waiting in the connection's write buffer before messages are queued instead.
WRITE_BUFFER_LIMIT = 1 << 16
SLOW_CLIENT_CODE = 1013
SLOW_CLIENT_REASON = "Outgoing queue full: client too slow"
SUBSCRIBE_FAILED = "Could not subscribe. Something bad happened!"


class WebSocketClient:
    """See the module docstring.

    :param server: the :class:`~.server.WebSocketServer` that accepted it.
    :param ws: the ``websockets`` server connection.
    :param number: the ``<n>`` of its id (counts every connection of the process).
    """

    def __init__(self, server, ws, number: int):
        self.server = server
        self.sub = server.sub
        self.options = server.options
        self.ws = ws
        self.number = number
        remote = ws.remote_address
        self.address = str(remote[0]) if remote else ""
        self.port = int(remote[1]) if remote else 0
        self.application_name: str | None = None
        self.app: tuple = ("unknown",)
        self.endpoint_id = ""
        self.backend = None
        #: Topic prefixes as zscript strings, sorted, without duplicates.
        self.subscriptions: list[str] = []
        self.acked = False
        #: Past the URI and application name checks (``websocket_client_lost`` follows).
        self.opened = False
        #: No more messages go out (closing, closed or shutting down).
        self.closing = False
        self.terminating = False
        #: Code and reason of a close this node initiated.
        self.close_code: int | None = None
        self.close_reason = ""
        self._outq: deque = deque()
        self._sending = False
        self._wakeup: asyncio.Future | None = None
        self._ready: asyncio.Future | None = None
        self._probe = ""
        self._tasks: set[asyncio.Task] = set()
        #: What the client may do (decided by the token it presented).
        self.access = getattr(ws, "zscript_access", FULL_ACCESS)
        #: ``(topic, event)`` pairs ``access`` lets the client publish (:mod:`.ingest`).
        self.allowed: set[tuple[str, str]] = set()
        if hasattr(type(ws), "on_overflow"):  # the server's connection class
            ws.on_overflow = self._overflow

    # --------------------------------------------------------------- session

    async def run(self) -> None:
        try:
            await self._session()
        except ConnectionClosed:
            pass
        except asyncio.CancelledError:
            raise
        except Exception as e:  # noqa: BLE001 - one client's problem never ends the server
            self.sub.internal_error(f"WebSocket client {self.number}: {type(e).__name__}: {e}")
            await self._close(1011, "Internal error")
        finally:
            self._finish()

    async def _session(self) -> None:
        ws = self.ws
        request = ws.request
        if request.path != PATH:
            await self._reject(INVALID_URI, CTX_INVALID_URI)
            return
        names = request.headers.get_all("X-Application-Name")
        if names:
            if not valid_application_name(names[0]):
                await self._reject(INVALID_APPLICATION_NAME, CTX_INVALID_APP)
                return
            self.application_name = names[0]
        #: Label values of the client's event metrics (Zeek's ``app``).
        self.app = (self.application_name or "unknown",)
        self.sub.telemetry.open(self.app)
        self.endpoint_id = f"{self.sub.node_id()}-websocket-{self.number}"
        # From here on the client is one Zeek keeps a backend for: its loss is
        # reported (our backend comes once it has subscribed).
        self.opened = True
        if self.options.ping_interval > 0:
            self._spawn(self._keepalive(self.options.ping_interval))
        try:
            async with asyncio.timeout(SUBSCRIBE_DEADLINE):
                first = await ws.recv()
        except TimeoutError:
            self.sub.stats.subscribe_timeouts += 1
            await self._close(1008, SUBSCRIBE_TIMEOUT_REASON)
            return
        self.sub.stats.messages_in += 1
        try:
            prefixes = self._check_subscriptions(parse_subscriptions(first))
        except ProtocolError as e:
            self.sub.stats.errors_sent += 1
            await self._send_now(error_message(e.code, e.context))
            await self._close(1008, e.context[:120])
            return
        try:
            self.backend = self.sub.make_backend(self)
        except Exception as e:  # noqa: BLE001 - Zeek closes such clients with "Internal error"
            self.sub.host.reporter.error(f"Failed to instantiate backend for WebSocket client: {e}")
            self.opened = False
            await self._close(1001, "Internal error")
            return
        await self._subscribe(prefixes)
        if self.closing:
            return
        self.sub.client_added(self)
        self.acked = True
        self._spawn(self._write_loop())
        self._enqueue(ack_message(self.endpoint_id, self.sub.version), True)
        async for frame in ws:
            if self.backend is None:
                # Terminated (the node is shutting down): frames still queued
                # are dropped, as Zeek drops them.
                break
            self._handle(frame)

    def _check_subscriptions(self, prefixes: list[str]) -> list[str]:
        """``prefixes`` if the client may have them, else :class:`ProtocolError`."""
        if len(prefixes) > MAX_SUBSCRIPTIONS:
            self.sub.stats.refused_messages += 1
            raise ProtocolError(LIMIT_EXCEEDED, f"more than {MAX_SUBSCRIPTIONS} subscriptions")
        for p in prefixes:
            if len(p.encode("utf-8", "surrogateescape")) > MAX_TOPIC:
                self.sub.stats.refused_messages += 1
                raise ProtocolError(LIMIT_EXCEEDED, f"subscription longer than {MAX_TOPIC} bytes")
            if not self.access.may_subscribe(p):
                self.sub.stats.refused_messages += 1
                raise ProtocolError(NOT_ALLOWED, f"subscription to '{p[:200]}' not allowed")
        return prefixes

    async def _subscribe(self, prefixes: list[str]) -> None:
        backend = self.backend
        unique = sorted(set(prefixes))
        self.subscriptions = sorted({zeek_string(p) for p in unique})
        for p in unique:
            backend.subscribe(p)
        self._ready = asyncio.get_running_loop().create_future()
        self._probe = f"{self.sub.internal_topic_prefix()}{self.endpoint_id}.1."
        backend.subscribe(self._probe)
        try:
            async with asyncio.timeout(READY_TIMEOUT):
                await self._ready
        except TimeoutError:
            self.sub.host.reporter.error("Subscribe for WebSocket client failed!")
            await self._close(1011, SUBSCRIBE_FAILED)
            return
        backend.unsubscribe(self._probe)

    def _handle(self, frame) -> None:
        stats = self.sub.stats
        stats.messages_in += 1
        try:
            if self.sub.ingest(self, frame):
                return
            msg = self.sub.decode(frame)
            self._check_publish(msg)
            if not self.sub.publish(self.backend, msg, self.app):
                stats.publish_drops += 1
            return
        except ProtocolError as e:
            code, context, detail = e.code, e.context, e.detail
        except Exception as e:  # noqa: BLE001 - e.g. a value the serializer cannot write
            code, context, detail = DESERIALIZATION_FAILED, CTX_NO_EVENT, str(e)
        stats.errors_sent += 1
        if context == CTX_NO_EVENT and detail:
            # Zeek reports why an event could not be created (once per reason here).
            self.sub.client_error(detail)
        self._enqueue(error_message(code, context), True)

    def _check_publish(self, msg) -> None:
        """Raise :class:`ProtocolError` if the client may not publish ``msg``."""
        if len(msg.topic.encode("utf-8", "surrogateescape")) > MAX_TOPIC:
            self.sub.stats.refused_messages += 1
            raise ProtocolError(LIMIT_EXCEEDED, f"topic longer than {MAX_TOPIC} bytes")
        why = self.access.refuse_publish(msg.topic, msg.name)
        if why is not None:
            self.sub.stats.refused_messages += 1
            raise ProtocolError(NOT_ALLOWED, why)

    # ------------------------------------------------------------- from the cluster

    def deliver(self, topic: bytes, fmt: bytes, payload: bytes) -> None:
        """The backend received an event on one of the client's topics."""
        if not self.acked or self.closing:
            return
        out = self.sub.render(topic, fmt, payload)
        if out is not None:
            self.sub.stats.events_out += 1
            message, name = out
            telemetry = self.sub.telemetry
            if telemetry.enabled:
                t = topic.decode("utf-8", "surrogateescape")
                telemetry.count("in", name, t, len(payload), self.app)
            self._enqueue(*message)

    def topic_seen(self, topic: str, subscribed: bool) -> None:
        """A subscription seen on the backend's XPUB (ours, echoed, or anyone's)."""
        ready = self._ready
        if subscribed and topic == self._probe and ready is not None and not ready.done():
            ready.set_result(None)

    # ------------------------------------------------------------- sending

    def _enqueue(self, data: bytes, text: bool) -> None:
        if self.closing:
            return
        q = self._outq
        transport = self.ws.transport
        if transport is None or transport.is_closing():
            # The connection broke (a reset): the library learns it a little
            # later; writing meanwhile only makes asyncio log every write.
            self.closing = True
            q.clear()
            return
        if not q and not self._sending and transport.get_write_buffer_size() < WRITE_BUFFER_LIMIT:
            broadcast((self.ws,), data, text=text)
            return
        if len(q) >= self.options.max_outgoing_queue_size:
            self.sub.stats.slow_clients += 1
            q.clear()
            self.closing = True
            self._spawn(self._close(SLOW_CLIENT_CODE, SLOW_CLIENT_REASON))
            return
        q.append((data, text))
        w = self._wakeup
        if w is not None and not w.done():
            w.set_result(None)

    async def _write_loop(self) -> None:
        ws, q = self.ws, self._outq
        aloop = asyncio.get_running_loop()
        while True:
            if not q:
                self._wakeup = aloop.create_future()
                await self._wakeup
                continue
            data, text = q.popleft()
            self._sending = True
            await ws.send(data, text=text)
            self._sending = False

    async def _send_now(self, data: bytes) -> None:
        """Send before the writer runs (errors before the ack), bounded in time."""
        try:
            async with asyncio.timeout(CLOSE_TIMEOUT):
                await self.ws.send(data, text=True)
        except TimeoutError:
            self._abort()

    def _overflow(self) -> None:
        """It leaves the library's own replies (pongs) unread: cut it off now."""
        if self.close_code is None:
            self.sub.stats.slow_clients += 1
            self.close_code, self.close_reason = SLOW_CLIENT_CODE, SLOW_CLIENT_REASON
        self.closing = True
        self._outq.clear()
        self._abort()

    async def _keepalive(self, interval: int) -> None:
        ws = self.ws
        while True:
            await asyncio.sleep(interval)
            try:
                async with asyncio.timeout(interval):
                    pong = await ws.ping()
                    await pong
            except TimeoutError:
                # It does not answer pings: no point waiting long for its close frame.
                self.sub.stats.ping_timeouts += 1
                await self._close(1011, "Ping timeout", min(interval, CLOSE_TIMEOUT))
                return

    # ------------------------------------------------------------- closing

    async def _reject(self, code: str, context: str) -> None:
        self.sub.stats.errors_sent += 1
        await self._send_now(error_message(code, context))
        await self._close(1008, context)

    async def _close(self, code: int, reason: str, timeout: float = CLOSE_TIMEOUT) -> None:
        self.closing = True
        if self.close_code is None:
            self.close_code, self.close_reason = code, reason
        try:
            async with asyncio.timeout(timeout):
                await self.ws.close(code, reason)
        except Exception:  # noqa: BLE001 - timed out, or the connection is already broken
            self._abort()

    def _abort(self) -> None:
        transport = getattr(self.ws, "transport", None)
        if transport is not None:
            transport.abort()

    def _spawn(self, coro) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        exc = task.exception()
        if exc is not None and not isinstance(exc, ConnectionClosed):
            self.sub.internal_error(f"WebSocket client {self.number}: {type(exc).__name__}: {exc}")
            self._abort()

    def lost_code(self) -> tuple[int, str]:
        """The code and reason ``websocket_client_lost`` reports."""
        if self.close_code is not None:
            return self.close_code, self.close_reason
        # The client's close frame, else the one the library sent (a protocol
        # error, a message over max_message_size), else none came: 1006.
        protocol = self.ws.protocol
        frame = protocol.close_rcvd or protocol.close_sent
        return (1006, "") if frame is None else (int(frame.code), frame.reason)

    def _finish(self) -> None:
        self.closing = True
        self._outq.clear()
        if self._closed_for_bad_input():
            self.sub.stats.bad_input_closes += 1
        for task in list(self._tasks):
            task.cancel()
        if self.backend is not None:
            try:
                self.backend.terminate()
            except Exception as e:  # noqa: BLE001
                self.sub.internal_error(f"WebSocket client {self.number}: terminate: {e}")
            self.backend = None
        if self.opened and not self.terminating:
            self.sub.client_lost(self, *self.lost_code())

    def _closed_for_bad_input(self) -> bool:
        """Whether this node closed the connection over what the client sent: a
        bad URI, application name or subscription list (1008), or, closed by
        the library, a protocol error (1002), a frame type it refuses (1003),
        text that is not UTF-8 (1007) or a message over the size limit (1009)."""
        if self.close_code is not None:
            return self.close_code == 1008
        protocol = getattr(self.ws, "protocol", None)
        sent = getattr(protocol, "close_sent", None)
        if sent is None or getattr(protocol, "close_rcvd_then_sent", False):
            return False
        return int(sent.code) in (1002, 1003, 1007, 1009)

    def terminate(self):
        """Shutdown: send 1001 "Terminating" now, drop the backend.

        Returns a duplicate of the connection's socket, half-closed after the
        close frame, for the server to drain (:func:`~.server.linger`), or
        None: closing a socket with unread data resets the connection, and
        a client still sending would then lose the close frame."""
        self.terminating = True
        self.closing = True
        ws = self.ws
        drain = None
        try:
            if ws.protocol.state is OPEN:
                ws.protocol.send_close(1001, "Terminating")
                ws.send_data()
            transport = ws.transport
            sock = transport.get_extra_info("socket")
            plain = transport.get_extra_info("sslcontext") is None
            if sock is not None and plain and transport.get_write_buffer_size() == 0:
                drain = socket.socket(fileno=os.dup(sock.fileno()))
                drain.shutdown(socket.SHUT_WR)
            transport.close()
        except Exception:  # noqa: BLE001 - best effort on the way out
            pass
        if self.backend is not None:
            try:
                self.backend.terminate()
            except Exception:  # noqa: BLE001
                pass
            self.backend = None
        return drain
