"""The ZeroMQ cluster backend: Zeek 8's topology on pyzmq.

Topology (zeek-runtime-facts §2.1): one central XSUB/XPUB proxy runs in a
thread of the manager; every node, the manager included, connects an XPUB
socket to the central XSUB (it publishes there) and an XSUB socket to the
central XPUB (it receives there).  Subscribing sends the XSUB control frame
``\\x01<prefix>``, unsubscribing ``\\x00<prefix>``; the proxy forwards them to
every publisher, which only sends messages somebody subscribed to (prefix
match).  Each node's XPUB therefore also tells it about every other node's
subscriptions and, when a node goes away, their unsubscriptions, which is
how nodes discover each other (see the cluster framework scripts).  A node
in the process that runs the proxy (the manager, and the WebSocket clients
a node serves) connects to it in memory (``inproc://``) rather than over
TCP, when its endpoints are the proxy's (:func:`local_proxy`); to the other
nodes nothing changes.

An event is the 4-frame message ``[topic][sender id][format][payload]``.  A
node drops messages carrying its own id (publishing never reaches the
publisher), messages in another format (counted, warned once) and
malformed ones (counted).

Overload (``Cluster::Backend::ZeroMQ::xpub_sndhwm``; Zeek's options script
describes its behaviour under "Overload Behavior"):

* a positive ``xpub_sndhwm`` is Zeek's behaviour: sends never block; at the
  XPUB high-water mark (``XPUB_NODROP`` makes the socket report it) the event
  is dropped and counted (``zeek_cluster_zeromq_xpub_drops_total``);
* ``0``, zscript's default, means no drops, as in Zeek, but not Zeek's
  unbounded send queue: the socket keeps at most :data:`FLOW_WINDOW`
  messages, and a publish that finds it full *waits* for room (flow
  control: the central proxy, with ``XPUB_NODROP``, passes a slow
  receiver's back-pressure on to the senders).  While it waits, the process
  keeps reading what arrives for it on every backend it has (its own into
  the event queue, handlers run later; its WebSocket clients' to them), so
  two nodes publishing to each other cannot block each other, nor can a
  node and a WebSocket client it serves.
  Only after ``xpub_block_timeout`` without room (a receiver that stopped
  reading altogether stalls the proxy) is the event dropped and counted;
  then the socket counts as stalled, and later publishes are dropped at
  once instead of waiting again, until one finds room.

Sockets are used only from the thread running the event loop; incoming
messages are drained from an asyncio reader callback on the sockets'
(edge-triggered) file descriptors.

Hot paths (measured by ``bench/cluster_bench.py``):

* sends and receives call the methods of pyzmq's backend socket class
  directly, with plain ``int`` flags (the ``zmq.Socket`` wrapper adds a
  Python frame per call, and ``SNDMORE | NOBLOCK`` on the flag enums an
  ``enum`` operation): 4 sends cost ~0.7 us instead of ~2.3 us;
* frames are received as ``zmq.Frame`` objects, whose ``more`` attribute
  replaces a ``getsockopt(RCVMORE)`` per frame (pyzmq turns the option into
  an enum on every call): ~2.5 us per message instead of ~4.5 us for
  ``recv_multipart``;
* an empty socket is found by asking for ``ZMQ_EVENTS`` (~2 us) rather
  than by a failing ``recv``, whose ``zmq.Again`` costs ~8 us; the reader
  callback delivers one message and leaves the rest to a continuation that
  runs after the event loop's turn (see :meth:`ZeroMQBackend._drain_xsub`);
* after a send only the XPUB is looked at again (each socket has its own
  descriptor);
* a batch of messages asks the subsystem once for its fast path
  (:attr:`~.backend.ClusterBackend.fast_path`) and hands each event of a
  known kind straight to the serializer's receiver, not through
  ``deliver``;
* the manager's own sockets and its WebSocket clients' reach the proxy in
  memory: ~2 us of TCP work per message less (``bench/fanin_bench.py``).
"""

from __future__ import annotations

import threading
import time
import weakref

import zmq

from .access import MAX_TOPIC
from .backend import ClusterBackend
from .curve import CurveKeys, start_authenticator
from .liveness import CHECK_INTERVAL, PeerWatch, WatchThread
from .monitor import SocketMonitor

__all__ = ["CentralProxy", "ZeroMQBackend", "ZeroMQOptions", "local_proxy", "release_local"]

#: Messages read per continuation before yielding to the event loop.
_BATCH = 2000

#: Messages the XPUB holds before a publish waits, when ``xpub_sndhwm`` is 0.
FLOW_WINDOW = 1000

#: Longest sleep between two tries of a waiting publish (ms).
_WAIT_STEP_MS = 1

#: The connected backends of this process, read while a publish waits.
_LIVE: weakref.WeakSet = weakref.WeakSet()

# pyzmq's backend socket class (what ``zmq.Socket`` wraps) and plain int flags.
_SEND = zmq.backend.Socket.send
_RECV = zmq.backend.Socket.recv
_GET = zmq.backend.Socket.get
_EVENTS = zmq.EVENTS
_POLLIN = int(zmq.POLLIN)
_NOBLOCK = int(zmq.NOBLOCK)
_SNDMORE = int(zmq.SNDMORE)
_SNDMORE_NOBLOCK = _SNDMORE | _NOBLOCK


class ZeroMQOptions:
    """The socket settings of :class:`ZeroMQBackend` (the script options of
    ``Cluster::Backend::ZeroMQ`` with Zeek's defaults)."""

    def __init__(self, **kw):
        self.connect_xpub_endpoint = "tcp://127.0.0.1:5556"
        self.connect_xsub_endpoint = "tcp://127.0.0.1:5555"
        self.linger_ms = 500
        #: 0: flow control (see the module docstring); > 0: drop at this mark.
        self.xpub_sndhwm = 0
        #: How long a publish waits for room (seconds) under flow control.
        self.xpub_block_timeout = 10.0
        self.xpub_sndbuf = -1
        self.xsub_rcvhwm = 1000
        self.xsub_rcvbuf = -1
        self.connect_xpub_nodrop = True
        self.ipv6 = False
        #: CURVE keys (:mod:`.curve`); the node's sockets are clients.
        self.curve = CurveKeys()
        for k, v in kw.items():
            if not hasattr(self, k):
                raise TypeError(f"unknown ZeroMQ option {k}")
            setattr(self, k, v)


#: How long a socket waits before it reconnects a broken connection.
RECONNECT_IVL_MS = 100


def _step(fn, endpoint: str, what: str, *, with_errno: bool = False) -> None:
    """``fn(endpoint)``; a failure is an ``OSError`` worded as Zeek's
    (``Failed to bind xpub socket tcp://...: No such device (19)``)."""
    try:
        fn(endpoint)
    except zmq.ZMQError as e:
        text = zmq.strerror(e.errno)  # str(e) also names the endpoint
        detail = f"{text} ({e.errno})" if with_errno else text
        raise OSError(f"Failed to {what} socket {endpoint}: {detail}") from None


def tune_socket(s: zmq.Socket, linger_ms: int, ipv6: bool) -> zmq.Socket:
    """Options every cluster socket shares, and dead-peer detection.

    A process that dies is noticed at once: its TCP connection closes.  A
    peer whose host is gone (cable pulled) is found by TCP keepalive: a
    connection on which nothing arrived for 1 s and that has nothing of its
    own to send is probed every second, and closed after three unanswered
    probes.  A live peer's kernel answers the probes even while its
    application is stalled.

    Nothing here closes a connection because its peer stopped reading: a
    receiver that falls behind is flow control, however long it lasts (as
    in Zeek), and closing it loses every event queued for it.

    * No ZMTP heartbeats: they are answered only by a peer whose libzmq
      reads its input, and an event stream's receiver stops reading
      whenever it falls behind (``RCVHWM``).  On the nodes' XPUBs (the
      proxy's XSUB stops while it waits for a slow subscriber) they broke
      busy connections, which lost and reordered events (Zeek's
      overload-no-drop under load); and libzmq 4.3 aborts the process when a
      heartbeat timer fires on a connection that closed while its input was
      stopped (``Assertion failed: !_io_error``, stream_engine_base.cpp; see
      also zeromq/libzmq#3937).
    * No ``ZMQ_TCP_MAXRT`` (Linux's ``TCP_USER_TIMEOUT``): Linux applies it to
      zero-window probes too, so a sender closes the connection of a peer
      whose receive window stayed shut that long, although its kernel
      answers every probe; and with it set, keepalive gives up only after
      the same time.

    Zeek sets none of them either.  A host that vanishes while data to it
    is still unacknowledged, which keepalive does not probe, is found by
    :mod:`.liveness` (the kernel's retransmissions and probes went
    unanswered): the node's backend and the central proxy each watch their
    connections.
    """
    s.setsockopt(zmq.LINGER, linger_ms)
    s.setsockopt(zmq.TCP_KEEPALIVE, 1)
    s.setsockopt(zmq.TCP_KEEPALIVE_IDLE, 1)
    s.setsockopt(zmq.TCP_KEEPALIVE_INTVL, 1)
    s.setsockopt(zmq.TCP_KEEPALIVE_CNT, 3)
    s.setsockopt(zmq.RECONNECT_IVL, RECONNECT_IVL_MS)
    s.setsockopt(zmq.RECONNECT_IVL_MAX, 1000)
    if ipv6:
        s.setsockopt(zmq.IPV6, 1)
    return s


#: The central proxies running in this process (see :func:`local_proxy`).
_PROXIES: weakref.WeakSet = weakref.WeakSet()

#: Host names a node uses to reach a proxy on its own host.
_LOOPBACK = frozenset({"127.0.0.1", "localhost", "[::1]"})
#: Bind addresses that listen on every interface, the loopback one included.
_ANY = frozenset({"*", "0.0.0.0", "[::]"})


def _same_endpoint(bound: str, connect: str) -> bool:
    """Whether connecting to ``connect`` reaches a socket bound to ``bound``
    in this process: the same endpoint, or the same TCP port on a loopback
    address when the socket listens there."""
    if bound == connect:
        return True
    b_proto, _, b_addr = bound.partition("://")
    c_proto, _, c_addr = connect.partition("://")
    if b_proto != "tcp" or c_proto != "tcp":
        return False
    b_host, _, b_port = b_addr.rpartition(":")
    c_host, _, c_port = c_addr.rpartition(":")
    if not b_port.isdigit() or b_port != c_port or c_host not in _LOOPBACK:
        return False
    return b_host in _LOOPBACK or b_host in _ANY


def _serves(proxy: CentralProxy, xsub_connect: str, xpub_connect: str) -> bool:
    """Whether a node connecting its XSUB to ``xsub_connect`` and its XPUB to
    ``xpub_connect`` reaches ``proxy``, a running one of this process."""
    xsub_bind, xpub_bind = proxy.endpoints
    return (
        proxy._thread is not None
        and not proxy.curve
        and _same_endpoint(xpub_bind, xsub_connect)
        and _same_endpoint(xsub_bind, xpub_connect)
    )


def release_local(proxy: CentralProxy) -> None:
    """Terminate the backends connected to ``proxy`` over ``inproc://``
    (before ``proxy.stop()``: its context's termination waits for their
    sockets), and let no new one connect so."""
    _PROXIES.discard(proxy)
    for backend in list(proxy.local_users):
        backend.terminate()


def local_proxy(xsub_connect: str, xpub_connect: str) -> CentralProxy | None:
    """The central proxy of this process that a node's sockets would reach
    over TCP at these endpoints, or None.

    A backend in the process that runs the proxy (the manager, and the
    WebSocket clients it serves) connects to it over ``inproc://`` instead:
    each message then passes a queue in memory rather than two TCP hops
    through ZeroMQ's I/O threads (``bench/fanin_bench.py``).  Not with CURVE
    (the proxy's sockets then take encrypted connections only).
    """
    for proxy in list(_PROXIES):
        if _serves(proxy, xsub_connect, xpub_connect):
            return proxy
    return None


class CentralProxy:
    """The central XSUB/XPUB forwarder (Zeek's ``zmq-proxy-thread``).

    Publishers connect to the XSUB side, subscribers to the XPUB side;
    ``XPUB_VERBOSER`` forwards every subscription and unsubscription to the
    publishers, so that every node learns about every other node's topics.
    What subscribers send is subscriptions only: ``ZMQ_MAXMSGSIZE`` makes
    libzmq disconnect a peer whose message is longer than a subscription of
    :data:`~.access.MAX_TOPIC` bytes, before it reaches the subscription
    trie (whose recursion a ~150 KB topic overflows).
    """

    def __init__(
        self,
        xsub_bind: str,
        xpub_bind: str,
        *,
        io_threads: int = 2,
        nodrop: bool = True,
        linger_ms: int = 500,
        ipv6: bool = False,
        curve: CurveKeys | None = None,
    ):
        self.ctx = zmq.Context(io_threads=io_threads)
        self._thread: threading.Thread | None = None
        front = tune_socket(self.ctx.socket(zmq.XSUB), linger_ms, ipv6)
        back = tune_socket(self.ctx.socket(zmq.XPUB), linger_ms, ipv6)
        back.setsockopt(zmq.XPUB_VERBOSER, 1)
        back.setsockopt(zmq.MAXMSGSIZE, MAX_TOPIC + 1)
        if nodrop:
            back.setsockopt(zmq.XPUB_NODROP, 1)
        self._auth = None
        try:
            if curve is not None:
                # Both sides of the proxy are CURVE servers (clients: every node).
                curve.configure_server(front)
                curve.configure_server(back)
                self._auth = start_authenticator(self.ctx, curve)
            for sock, what, ep in ((back, "xpub", xpub_bind), (front, "xsub", xsub_bind)):
                _step(sock.bind, ep, f"bind {what}", with_errno=True)
        except Exception:
            front.close(0)
            back.close(0)
            if self._auth is not None:
                self._auth.stop()
            self.ctx.term()
            raise
        # A node whose host vanished is dropped by the proxy (node_down).
        self._watcher = WatchThread(self.ctx, (front, back), "zmq-proxy-peer-watch")
        # The same sockets also listen in-process, for this process's own
        # backends (see :func:`local_proxy`).
        self.endpoints = (xsub_bind, xpub_bind)
        self.inproc_xsub = f"inproc://zscript-proxy-xsub-{id(self)}"
        self.inproc_xpub = f"inproc://zscript-proxy-xpub-{id(self)}"
        front.bind(self.inproc_xsub)
        back.bind(self.inproc_xpub)
        #: Whether the proxy takes encrypted connections only.
        self.curve = curve is not None and curve.server_enabled
        #: Backends connected over ``inproc://`` (their sockets live in ``ctx``).
        self.local_users: weakref.WeakSet = weakref.WeakSet()
        _PROXIES.add(self)
        self._control = self.ctx.socket(zmq.PAIR)
        endpoint = f"inproc://zscript-proxy-control-{id(self)}"
        self._control.bind(endpoint)

        def run() -> None:
            ctl = self.ctx.socket(zmq.PAIR)
            ctl.connect(endpoint)
            try:
                zmq.proxy_steerable(front, back, None, ctl)
            except zmq.ZMQError:
                pass
            finally:
                for s in (front, back, ctl):
                    s.close(0)

        self._thread = threading.Thread(target=run, name="zmq-proxy-thread", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._thread is None:
            return
        try:
            self._control.send(b"TERMINATE")
        except zmq.ZMQError:
            pass
        self._thread.join(timeout=2)
        self._control.close(0)
        self._thread = None
        self._watcher.stop()
        if self._auth is not None:
            self._auth.stop()
            self._auth = None
        self.ctx.term()


class ZeroMQBackend(ClusterBackend):
    """See the module docstring."""

    def __init__(self, node_id: str, warn, options: ZeroMQOptions | None = None):
        super().__init__(node_id, warn)
        self.opts = options or ZeroMQOptions()
        self.ctx: zmq.Context | None = None
        #: The proxy of this process it reaches in memory, whose ``ctx`` it
        #: uses (None: ``ctx`` is its own).
        self._proxy: CentralProxy | None = None
        self.xpub: zmq.Socket | None = None
        self.xsub: zmq.Socket | None = None
        self._id = node_id.encode()
        self._aloop = None
        self._xpub_kicked = False
        self._monitors: list[SocketMonitor] = []
        #: Set by the subsystem: called with ``(number, value, address)`` for
        #: each connection event of the XPUB and XSUB (:mod:`.monitor`).
        self.socket_event = lambda number, value, address: None
        # Bound backend methods (see the module docstring).
        self._send = None  # xpub.send
        #: Whether a publish waits for room (``xpub_sndhwm`` 0) instead of dropping.
        self._flow = self.opts.xpub_sndhwm <= 0
        #: A wait for room timed out and no send has succeeded since.
        self._stalled = False
        self._recv = None  # xsub.recv
        self._xsub_events = None  # xsub.get, for EVENTS
        self._xpub_events = None  # xpub.get, for EVENTS
        #: Topics other processes subscribe to (from this node's XPUB).
        self.remote_topics: set[bytes] = set()
        #: Sockets dropped by :meth:`_connection_lost`, until they reconnect.
        self._rejoining: set[zmq.Socket] = set()
        #: The XPUB's and XSUB's connections, for a vanished manager host.
        self._peers = PeerWatch()

    # ------------------------------------------------------------------ setup

    def _do_init(self) -> bool:
        o = self.opts
        xsub_ep, xpub_ep = o.connect_xsub_endpoint, o.connect_xpub_endpoint
        proxy = None if o.curve.configured else local_proxy(xsub_ep, xpub_ep)
        if proxy is not None:
            # In the proxy's process: its context, in memory (see local_proxy).
            self.ctx = proxy.ctx
            xsub_ep, xpub_ep = proxy.inproc_xpub, proxy.inproc_xsub
        else:
            self.ctx = zmq.Context(io_threads=1)
        xpub = tune_socket(self.ctx.socket(zmq.XPUB), o.linger_ms, o.ipv6)
        xpub.setsockopt(zmq.XPUB_VERBOSER, 1)
        if o.connect_xpub_nodrop:
            xpub.setsockopt(zmq.XPUB_NODROP, 1)
        xpub.setsockopt(zmq.SNDHWM, o.xpub_sndhwm if o.xpub_sndhwm > 0 else FLOW_WINDOW)
        if o.xpub_sndbuf >= 0:
            xpub.setsockopt(zmq.SNDBUF, o.xpub_sndbuf)
        xsub = tune_socket(self.ctx.socket(zmq.XSUB), o.linger_ms, o.ipv6)
        xsub.setsockopt(zmq.RCVHWM, o.xsub_rcvhwm)
        if o.xsub_rcvbuf >= 0:
            xsub.setsockopt(zmq.RCVBUF, o.xsub_rcvbuf)
        try:
            o.curve.configure_client(xpub)
            o.curve.configure_client(xsub)
            _step(xsub.connect, xsub_ep, "connect xsub")
            _step(xpub.connect, xpub_ep, "connect xpub")
        except Exception:
            xpub.close(0)
            xsub.close(0)
            if proxy is None:
                self.ctx.term()
            raise
        if proxy is not None:
            proxy.local_users.add(self)
        self._proxy = proxy
        self.xpub, self.xsub = xpub, xsub
        self._monitors = [
            SocketMonitor(xpub, self._xpub_event),
            SocketMonitor(xsub, self._xsub_event),
        ]
        self._send = _SEND.__get__(xpub)
        self._recv = _RECV.__get__(xsub)
        self._xsub_events = _GET.__get__(xsub)
        self._xpub_events = _GET.__get__(xpub)
        for prefix in sorted(self.subscriptions):
            self._do_subscribe(prefix.encode("utf-8", "surrogateescape"))
        _LIVE.add(self)
        return True

    def _do_start_io(self, aloop) -> None:
        self._aloop = aloop
        aloop.add_reader(self.xsub.getsockopt(zmq.FD), self._drain_xsub)
        aloop.add_reader(self.xpub.getsockopt(zmq.FD), self._drain_xpub)
        for m in self._monitors:
            m.start_io(aloop)
        # Edge-triggered: anything that arrived before now must be read explicitly.
        aloop.call_soon(self._drain_xsub, True)
        self._kick_xpub()
        aloop.call_later(CHECK_INTERVAL, self._check_peers)

    def _check_peers(self) -> None:
        if self.xsub is None:
            return  # terminated
        self._peers.check()
        self._aloop.call_later(CHECK_INTERVAL, self._check_peers)

    # ---------------------------------------------------------------- sending

    def _do_publish(self, topic: bytes, fmt: bytes, payload: bytes) -> bool:
        send = self._send
        try:
            send(topic, _SNDMORE_NOBLOCK)
        except zmq.Again:
            if not self._flow or self._stalled or not self._wait_for_room(topic):
                return False
        else:
            self._stalled = False
        send(self._id, _SNDMORE)
        send(fmt, _SNDMORE)
        send(payload)
        if not self._xpub_kicked:
            self._kick_xpub()
        return True

    def _wait_for_room(self, topic: bytes) -> bool:
        """Flow control: try to send ``topic`` (the first frame of an event)
        until the XPUB takes it, reading what arrives on every backend of
        the process in between; False after ``xpub_block_timeout``.
        (ZeroMQ's ``POLLOUT`` on an XPUB is always set, so the send itself
        is the only test for room.)"""
        self.stats.send_waits += 1
        send = self._send
        readers = [b for b in _LIVE if b.xsub is not None]
        poller = zmq.Poller()
        for b in readers:
            poller.register(b.xsub, zmq.POLLIN)
        by_socket = {b.xsub: b for b in readers}
        deadline = time.monotonic() + self.opts.xpub_block_timeout
        step = 0
        try:
            while True:
                # Sleep until something arrives for this process or a step has passed.
                for sock, _ in poller.poll(step):
                    b = by_socket.get(sock)
                    if b is not None and b.xsub is not None:
                        b._read(_BATCH)
                try:
                    send(topic, _SNDMORE_NOBLOCK)
                    return True
                except zmq.Again:
                    pass
                if time.monotonic() >= deadline:
                    self._stalled = True
                    return False
                step = _WAIT_STEP_MS
        finally:
            # Reading consumed the descriptors' edges: look again after this.
            for b in readers:
                b._kick_xsub()

    def _do_subscribe(self, prefix: bytes) -> bool:
        if self.xsub is None:
            return True  # sent by _do_init
        self.xsub.send(b"\x01" + prefix)
        self._kick_xsub()
        return True

    def _do_unsubscribe(self, prefix: bytes) -> bool:
        if self.xsub is None:
            return True
        self.xsub.send(b"\x00" + prefix)
        self._kick_xsub()
        return True

    # Any operation on a ZeroMQ socket processes the commands pending for it,
    # which can consume the edge of the socket's file descriptor: after a
    # send, the socket is looked at again once the current callback is done.
    # (Each socket has its own descriptor: sending on the XPUB does not touch
    # the XSUB's.)

    def _kick_xpub(self) -> None:
        if self._aloop is not None and not self._xpub_kicked:
            self._xpub_kicked = True
            self._aloop.call_soon(self._drain_xpub)

    def _kick_xsub(self) -> None:
        if self._aloop is not None:
            self._aloop.call_soon(self._drain_xsub, True)

    # -------------------------------------------------------------- receiving

    def _drain_xsub(self, cont: bool = False) -> None:
        """Read and deliver the messages waiting on the XSUB.

        The reader callback (``cont`` false) delivers one message and leaves
        the rest to a continuation (``cont`` true) queued after it: the
        event loop's turn for that first event comes first, which keeps
        request/response latency low (one message per wake-up is their
        common case).  The continuation asks the socket whether another
        message is there before reading (a failing ``recv`` costs an
        exception, several times the price of the question) and then reads
        up to ``_BATCH`` messages.
        """
        if self.xsub is None:
            return
        try:
            if cont and not self._xsub_events(_EVENTS) & _POLLIN:
                return
        except zmq.ZMQError:
            return
        if self._read(_BATCH if cont else 1) and self._aloop is not None:
            self._aloop.call_soon(self._drain_xsub, True)  # more may be waiting

    def _read(self, limit: int) -> bool:
        """Read and deliver up to ``limit`` messages; True when the limit was
        reached (more may be waiting), False when the socket is empty."""
        recv = self._recv
        deliver = self.deliver
        own = self._id
        fast = self.fast_path()
        ours, receive, done = fast if fast is not None else (None, None, None)
        taken = 0
        try:
            for _ in range(limit):
                # [topic][sender id][format][payload], nothing more.
                topic = recv(_NOBLOCK, False)
                if topic.more:
                    sender = recv(_NOBLOCK, False)
                    if sender.more:
                        fmt = recv(_NOBLOCK, False)
                        if fmt.more:
                            payload = recv(_NOBLOCK, False)
                            if not payload.more:
                                if sender.bytes == own:
                                    continue
                                try:
                                    data = payload.bytes
                                    if fmt.bytes == ours and receive(data):
                                        taken += 1
                                    else:
                                        deliver(topic.bytes, fmt.bytes, data)
                                except Exception as e:  # noqa: BLE001 - never kill the reader
                                    self.stats.malformed += 1
                                    self.warn_once("deliver", f"cluster: dropped an event: {e!r}")
                                continue
                            frames = 5
                            while recv(_NOBLOCK, False).more:
                                frames += 1
                        else:
                            frames = 3
                    else:
                        frames = 2
                else:
                    frames = 1
                self.stats.malformed += 1
                self.warn_once(
                    "frames",
                    f"cluster: dropped a message with {frames} frames (expected 4)",
                )
        except zmq.ZMQError:  # zmq.Again: nothing more to read
            return False
        finally:
            if taken:
                done(taken)
        return True

    def _drain_xpub(self) -> None:
        self._xpub_kicked = False
        sock = self.xpub
        if sock is None:
            return
        topics = self.remote_topics
        events = self._xpub_events
        try:
            # Subscription notices are rare: ask before reading (see _drain_xsub).
            while events(_EVENTS) & _POLLIN:
                msg = sock.recv(_NOBLOCK)
                if not msg or msg[0] not in (0, 1):
                    self.stats.malformed += 1
                    continue
                topic = msg[1:]
                # The proxy forwards every subscription but an unsubscription
                # only when the last subscriber of the topic is gone.
                if msg[0] == 1:
                    if topic not in topics:
                        topics.add(topic)
                        self.topic_seen(topic.decode("utf-8", "surrogateescape"), True)
                elif topic in topics:
                    topics.discard(topic)
                    self.topic_seen(topic.decode("utf-8", "surrogateescape"), False)
        except zmq.ZMQError:
            pass

    def _xsub_event(self, number: int, value: int, address: str) -> None:
        self._peers.event(number, value)
        if number == zmq.EVENT_DISCONNECTED:
            self._connection_lost(self.xpub, self.opts.connect_xpub_endpoint)
        self.socket_event(number, value, address)

    def _xpub_event(self, number: int, value: int, address: str) -> None:
        self._peers.event(number, value)
        if number == zmq.EVENT_DISCONNECTED:
            self._connection_lost(self.xsub, self.opts.connect_xsub_endpoint)
        self.socket_event(number, value, address)

    def _connection_lost(self, other: zmq.Socket | None, endpoint: str) -> None:
        """One of the node's two connections to the central proxy broke (the
        manager died, or a host was unreachable for a while).

        Every subscription seen through the XPUB is void (:meth:`_proxy_lost`).
        The node then rejoins as a whole: it also drops and remakes its other
        connection, so that the proxy withdraws all of this node's
        subscriptions (the others see it go, ``node_down``) and forwards every
        subscription to it afresh (both sides then do the hello handshake
        again, ``node_up``).  With only one side reconnected, the others
        would take the node's new hello for a repeat of the old one, or the
        node theirs.  (``disconnect`` reports no ``EVENT_DISCONNECTED``, so
        this does not go round in circles.)

        The other connection is remade after :data:`RECONNECT_IVL_MS`, as
        libzmq remakes the broken one, not at once: when a manager stops, its
        proxy closes the connections of one socket before the listener of the
        other, and a node that reconnected in between was accepted and then
        reset ("ZeroMQ: Handshake for socket ... failed: value=104").
        """
        self._proxy_lost()
        if other is None or other in self._rejoining:
            return
        try:
            other.disconnect(endpoint)
        except zmq.ZMQError:
            return
        self._rejoining.add(other)
        if self._aloop is None:
            self._rejoin(other, endpoint)
        else:
            self._aloop.call_later(RECONNECT_IVL_MS / 1000, self._rejoin, other, endpoint)

    def _rejoin(self, sock: zmq.Socket, endpoint: str) -> None:
        if sock not in self._rejoining:
            return  # terminated meanwhile
        self._rejoining.discard(sock)
        try:
            sock.connect(endpoint)
        except zmq.ZMQError:
            pass

    def _proxy_lost(self) -> None:
        """The connection to the central proxy broke: every subscription seen
        through it is withdrawn (the other nodes are unreachable, and
        ``node_down`` follows for each), and those the new proxy forwards
        when the connection is back count as new (``node_up`` again)."""
        self.stats.proxy_disconnects += 1
        topics, self.remote_topics = self.remote_topics, set()
        for topic in sorted(topics):
            self.topic_seen(topic.decode("utf-8", "surrogateescape"), False)

    # --------------------------------------------------------------- shutdown

    def _do_terminate(self) -> None:
        _LIVE.discard(self)
        self._rejoining.clear()
        aloop = self._aloop
        monitors, self._monitors = self._monitors, []
        for m in monitors:
            m.close()
        for s in (self.xsub, self.xpub):
            if s is None:
                continue
            if aloop is not None:
                try:
                    aloop.remove_reader(s.getsockopt(zmq.FD))
                except (zmq.ZMQError, ValueError, OSError):
                    pass
            s.close(self.opts.linger_ms)
        self.xsub = self.xpub = None
        proxy, self._proxy = self._proxy, None
        if proxy is not None:
            proxy.local_users.discard(self)  # the proxy ends its context
        else:
            self.ctx.term()
