"""A Broker endpoint over zscript's own transport: TCP peerings on asyncio.

Broker's model (``broker::endpoint`` in zeek/broker): every process is one
endpoint with a unique id; it may listen for peerings and make peerings;
peers tell each other which topic prefixes they subscribe to, and a message
published on a topic goes to each peer with a matching prefix, never back
to the publisher.  Endpoints do not forward messages between their peers.

The wire format is ours (Broker's own is not spoken): a connection carries
frames ``[length: u32 big-endian][kind: 1 byte][body]`` (:mod:`.wire`).
The first frame of each side is a HELLO with its id, its listening port and
its subscriptions; after both HELLOs the peering is up and both sides call
:attr:`BrokerEndpoint.on_peer_added`.  A connection that ends raises
:attr:`~BrokerEndpoint.on_peer_lost`, except when this side ended it
(:meth:`BrokerEndpoint.unpeer`: :attr:`~BrokerEndpoint.on_peer_removed`).
An outbound peering (``peer``) with a retry interval connects again every
interval while the peer does not answer, also after a loss, as Broker does;
each refused attempt makes it *unavailable* (below).

With TLS (:mod:`.tls`, the default unless ``Broker::disable_ssl``), each
connection is first secured, then greets; a handshake that fails, or a
peer that hangs up before its HELLO, makes an outbound peering
*unavailable* (:attr:`BrokerEndpoint.on_unavailable`; it is retried as
any failed connection is).

A malformed frame (an unknown kind, a bad HELLO, a frame over
:data:`.wire.MAX_FRAME`) is counted in :attr:`BrokerEndpoint.malformed`;
a framing error closes that connection (the peer is lost), nothing else.

All methods run on the thread of the event loop.  :meth:`listen` binds at
once (so the script learns the port or the failure); connections are made
and served once the asyncio loop runs (``start(aloop)``).
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import uuid
from collections import deque
from collections.abc import Callable

from . import wire

__all__ = ["BrokerEndpoint", "Peer"]

#: Messages of a peering lost or removed (printed by scripts; Broker's wording).
MSG_ADDED = "handshake successful"
MSG_LOST = "lost connection to remote peer"
MSG_REMOVED = "removed connection to remote peer"


class Peer:
    """One peering: the remote endpoint and the connection to it."""

    __slots__ = (
        "_ends",
        "_written",
        "address",
        "connector",
        "id",
        "max_recent",
        "outbound",
        "port",
        "recent_since",
        "subscriptions",
        "writer",
    )

    def __init__(self, address: str, port: int, outbound: bool):
        self.id = ""
        #: Where the peer is: for an outbound peering the address and port
        #: we connected to, else the peer's address and its listening port
        #: (its connection's port when it does not listen).
        self.address = address
        self.port = port
        self.outbound = outbound
        self.subscriptions: set[str] = set()
        self.writer: asyncio.StreamWriter | None = None
        self.connector: _Connector | None = None
        # Send-buffer statistics (Broker::peering_stats): where each frame
        # still buffered ends, counted in bytes written to the connection.
        self._ends: deque[int] = deque()
        self._written = 0
        #: The most frames buffered at once since ``recent_since``.
        self.max_recent = 0
        self.recent_since = 0.0

    def wants(self, topic: str) -> bool:
        return any(topic.startswith(p) for p in self.subscriptions)

    def send(self, frame: bytes) -> None:
        w = self.writer
        if w is not None and not w.is_closing():
            w.write(frame)
            self._written += len(frame)
            self._ends.append(self._written)
            self.max_recent = max(self.max_recent, self.queued())

    def queued(self) -> int:
        """How many frames sent to this peer are still in the connection's
        send buffer (not yet handed to the operating system)."""
        w = self.writer
        buffered = w.transport.get_write_buffer_size() if w is not None else 0
        flushed = self._written - buffered
        ends = self._ends
        while ends and ends[0] <= flushed:
            ends.popleft()
        return len(ends)

    def buffer_stats(self, now: float, reset_interval: float) -> tuple[int, int]:
        """``(queued, max queued recently)``; "recently" restarts every
        ``reset_interval`` seconds, as Broker's PeerBufferState does."""
        q = self.queued()
        if now - self.recent_since > reset_interval:
            self.recent_since = now
            self.max_recent = q
        return q, max(self.max_recent, q)


class _Connector:
    """An outbound peering (``Broker::peer``): connects until unpeered."""

    def __init__(self, address: str, port: int, retry: float):
        self.address = address
        self.port = port
        self.retry = retry
        self.task: asyncio.Task | None = None
        self.peer: Peer | None = None
        self.stopped = False


class BrokerEndpoint:
    """See the module docstring.  Callbacks are set by the owner."""

    def __init__(self, tls: tuple | None = None):
        self.node_id = str(uuid.uuid4())
        #: ``(server context, client context)``: every peering is TLS
        #: (:mod:`.tls`); None: plain TCP.
        self.tls = tls
        #: ``fn(address, port)`` when a peering this endpoint made connected
        #: but never completed its handshake (TLS refused, the peer hung up).
        self.on_unavailable: Callable[[str, int], None] = lambda a, p: None
        self.subscriptions: set[str] = set()
        #: Peerings whose handshake finished, in the order they came up.
        self.peers: list[Peer] = []
        self.malformed = 0
        #: ``fn(peer)`` once a peering is up.
        self.on_peer_added: Callable[[Peer], None] = lambda p: None
        #: ``fn(peer)`` when a peering's connection ended.
        self.on_peer_lost: Callable[[Peer], None] = lambda p: None
        #: ``fn(peer)`` when this endpoint ended a peering.
        self.on_peer_removed: Callable[[Peer], None] = lambda p: None
        #: ``fn(peer, kind, topic, payload)`` for each message on a subscribed topic.
        self.on_message: Callable[[Peer, int, str, bytes], None] = lambda p, k, t, b: None
        #: Called after a peering came or went or a peer's subscriptions changed.
        self.on_topics_changed: list[Callable[[], None]] = []
        #: ``fn(start)``: run ``start(aloop)`` once the asyncio loop runs.
        self.add_io: Callable[[Callable], None] = lambda start: None
        self._servers: list[socket.socket] = []
        self._aservers: list[asyncio.Server] = []
        self._listen_ports: list[int] = []
        self._connectors: list[_Connector] = []
        self._aloop: asyncio.AbstractEventLoop | None = None
        self._closed = False

    # ------------------------------------------------------------ listening

    def listen(self, address: str, port: int) -> int:
        """Accept peerings on ``address``:``port``; the bound port or 0."""
        host = address or "0.0.0.0"
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((host, port))
            sock.listen(64)
            sock.setblocking(False)
        except OSError:
            sock.close()
            return 0
        bound = sock.getsockname()[1]
        self._servers.append(sock)
        self._listen_ports.append(bound)
        self.add_io(lambda aloop: aloop.create_task(self._serve(sock)))
        return bound

    async def _serve(self, sock: socket.socket) -> None:
        if not self._closed:
            self._aservers.append(await asyncio.start_server(self._accepted, sock=sock))

    async def _accepted(self, reader, writer) -> None:
        addr = writer.get_extra_info("peername") or ("", 0)
        peer = Peer(addr[0], addr[1], outbound=False)
        try:
            if await self._secure(writer, server=True):
                await self._run_peering(peer, reader, writer)
        except asyncio.CancelledError:
            pass  # the loop is shutting down

    async def _secure(self, writer, *, server: bool) -> bool:
        """Make the connection TLS if this endpoint uses it; False (and the
        connection closed) if the handshake fails."""
        if self.tls is None:
            return True
        try:
            await writer.start_tls(self.tls[0] if server else self.tls[1])
        except (ssl.SSLError, ConnectionError, OSError, asyncio.IncompleteReadError):
            writer.close()
            return False
        return True

    # -------------------------------------------------------------- peering

    def peer(self, address: str, port: int, retry: float) -> None:
        """Peer with the endpoint at ``address``:``port`` (asynchronously)."""
        c = _Connector(address, port, retry)
        self._connectors.append(c)

        def start(aloop) -> None:
            if not c.stopped:
                c.task = aloop.create_task(self._connect_loop(c))

        self.add_io(start)

    async def _connect_loop(self, c: _Connector) -> None:
        while not c.stopped and not self._closed:
            try:
                reader, writer = await asyncio.open_connection(c.address, c.port)
            except OSError:
                reader = None
            if reader is not None:
                peer = Peer(c.address, c.port, outbound=True)
                peer.connector = c
                c.peer = peer
                came_up = await self._secure(writer, server=False) and await self._run_peering(
                    peer, reader, writer
                )
                if not came_up and not c.stopped and not self._closed:
                    self.on_unavailable(c.address, c.port)
                c.peer = None
            elif not c.stopped and not self._closed:
                # Refused: reported on every attempt, also while retrying, as
                # Broker does (Zeek's tests filter the repeated PEER_UNAVAILABLE).
                self.on_unavailable(c.address, c.port)
            if c.retry <= 0 or c.stopped:
                return
            await asyncio.sleep(c.retry)

    async def _run_peering(self, peer: Peer, reader, writer) -> bool:
        """Greet, then serve the peering until it ends; False if it never
        came up (no HELLO from the other side)."""
        peer.writer = writer
        listen_port = self._listen_ports[0] if self._listen_ports else 0
        writer.write(wire.hello(self.node_id, listen_port, sorted(self.subscriptions)))
        added = False
        try:
            kind, body = await wire.read_frame(reader)
            if kind != wire.HELLO:
                raise wire.FrameError("expected a HELLO")
            peer.id, their_port, subs = wire.parse_hello(body)
            if not peer.outbound and their_port:
                peer.port = their_port
            peer.subscriptions.update(subs)
            self.peers.append(peer)
            added = True
            self.on_peer_added(peer)
            self._topics_changed()
            while True:
                kind, body = await wire.read_frame(reader)
                self._received(peer, kind, body)
        except (asyncio.IncompleteReadError, ConnectionError, OSError):
            pass
        except wire.FrameError:
            self.malformed += 1
        except asyncio.CancelledError:
            writer.close()
            raise
        writer.close()
        peer.writer = None
        if added and peer in self.peers:
            self.peers.remove(peer)
            if not self._closed:
                self.on_peer_lost(peer)
                self._topics_changed()
        return added

    def _received(self, peer: Peer, kind: int, body: bytes) -> None:
        if kind == wire.SUBSCRIBE:
            peer.subscriptions.add(wire.text(body))
            self._topics_changed()
        elif kind == wire.UNSUBSCRIBE:
            peer.subscriptions.discard(wire.text(body))
            self._topics_changed()
        elif kind in wire.MESSAGES:
            try:
                topic, payload = wire.split_topic(body)
            except wire.FrameError:
                self.malformed += 1
                return
            if any(topic.startswith(p) for p in self.subscriptions):
                self.on_message(peer, kind, topic, payload)
        else:
            self.malformed += 1

    def unpeer(self, address: str, port: int) -> bool:
        """End the outbound peering with ``address``:``port``; False if none."""
        for c in self._connectors:
            if c.address == address and c.port == port and not c.stopped:
                break
        else:
            return False
        c.stopped = True
        self._connectors.remove(c)
        if c.task is not None:
            c.task.cancel()
        peer = c.peer
        if peer is not None and peer in self.peers:
            self.peers.remove(peer)
            if peer.writer is not None:
                peer.writer.close()
            self.on_peer_removed(peer)
            self._topics_changed()
        return True

    def _topics_changed(self) -> None:
        for fn in self.on_topics_changed:
            fn()

    def is_outbound(self, address: str, port: int) -> bool:
        return any(p.outbound and p.address == address and p.port == port for p in self.peers)

    # ------------------------------------------------------------ messaging

    def subscribe(self, prefix: str) -> bool:
        if prefix in self.subscriptions:
            return False
        self.subscriptions.add(prefix)
        frame = wire.frame(wire.SUBSCRIBE, wire.encode_text(prefix))
        for p in self.peers:
            p.send(frame)
        return True

    def unsubscribe(self, prefix: str) -> bool:
        if prefix not in self.subscriptions:
            return False
        self.subscriptions.discard(prefix)
        frame = wire.frame(wire.UNSUBSCRIBE, wire.encode_text(prefix))
        for p in self.peers:
            p.send(frame)
        return True

    def publish(self, kind: int, topic: str, payload: bytes) -> int:
        """Send a message to the peers subscribed to ``topic``; how many got it."""
        frame = None
        n = 0
        for p in self.peers:
            if p.wants(topic):
                if frame is None:
                    frame = wire.message(kind, topic, payload)
                p.send(frame)
                n += 1
        return n

    # ------------------------------------------------------------- shutdown

    def close(self) -> None:
        """Close every connection and listening socket (no events raised)."""
        self._closed = True
        for c in self._connectors:
            c.stopped = True
            if c.task is not None:
                c.task.cancel()
        for p in self.peers:
            if p.writer is not None:
                p.writer.close()
        for server in self._aservers:
            server.close()
        if not self._aservers:
            for s in self._servers:
                s.close()
        self._servers.clear()
        self._aservers.clear()
