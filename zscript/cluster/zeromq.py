"""The ZeroMQ cluster backend: Zeek 8's topology on pyzmq.

Topology (zeek-runtime-facts §2.1): one central XSUB/XPUB proxy runs in a
thread of the manager; every node, the manager included, connects an XPUB
socket to the central XSUB (it publishes there) and an XSUB socket to the
central XPUB (it receives there).  Subscribing sends the XSUB control frame
``\\x01<prefix>``, unsubscribing ``\\x00<prefix>``; the proxy forwards them to
every publisher, which only sends messages somebody subscribed to (prefix
match).  Each node's XPUB therefore also tells it about every other node's
subscriptions and, when a node goes away, their unsubscriptions, which is
how nodes discover each other (see the cluster framework scripts).

An event is the 4-frame message ``[topic][sender id][format][payload]``.  A
node drops messages carrying its own id (publishing never reaches the
publisher), messages in another format (counted, warned once) and
malformed ones (counted).  Sends never block: at the XPUB high-water mark
(``XPUB_NODROP`` makes the socket report it) the event is dropped and
counted.

Sockets are used only from the thread running the event loop; incoming
messages are drained from an asyncio reader callback on the sockets'
(edge-triggered) file descriptors.
"""

from __future__ import annotations

import threading

import zmq

from .backend import ClusterBackend

__all__ = ["CentralProxy", "ZeroMQBackend", "ZeroMQOptions"]

#: Messages drained per reader callback before yielding to the event loop.
_BATCH = 2000


class ZeroMQOptions:
    """The socket settings of :class:`ZeroMQBackend` (the script options of
    ``Cluster::Backend::ZeroMQ`` with Zeek's defaults)."""

    def __init__(self, **kw):
        self.connect_xpub_endpoint = "tcp://127.0.0.1:5556"
        self.connect_xsub_endpoint = "tcp://127.0.0.1:5555"
        self.linger_ms = 500
        self.xpub_sndhwm = 1000
        self.xpub_sndbuf = -1
        self.xsub_rcvhwm = 1000
        self.xsub_rcvbuf = -1
        self.connect_xpub_nodrop = True
        self.ipv6 = False
        for k, v in kw.items():
            if not hasattr(self, k):
                raise TypeError(f"unknown ZeroMQ option {k}")
            setattr(self, k, v)


def _tune(s: zmq.Socket, linger_ms: int, ipv6: bool) -> zmq.Socket:
    s.setsockopt(zmq.LINGER, linger_ms)
    # Detect a dead peer (host gone, cable pulled) within ~2 seconds; a
    # process that dies is noticed at once (its TCP connection closes).
    s.setsockopt(zmq.HEARTBEAT_IVL, 500)
    s.setsockopt(zmq.HEARTBEAT_TIMEOUT, 1500)
    s.setsockopt(zmq.RECONNECT_IVL, 100)
    s.setsockopt(zmq.RECONNECT_IVL_MAX, 1000)
    if ipv6:
        s.setsockopt(zmq.IPV6, 1)
    return s


class CentralProxy:
    """The central XSUB/XPUB forwarder (Zeek's ``zmq-proxy-thread``).

    Publishers connect to the XSUB side, subscribers to the XPUB side;
    ``XPUB_VERBOSER`` forwards every subscription and unsubscription to the
    publishers, so that every node learns about every other node's topics.
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
    ):
        self.ctx = zmq.Context(io_threads=io_threads)
        self._thread: threading.Thread | None = None
        front = _tune(self.ctx.socket(zmq.XSUB), linger_ms, ipv6)
        back = _tune(self.ctx.socket(zmq.XPUB), linger_ms, ipv6)
        back.setsockopt(zmq.XPUB_VERBOSER, 1)
        if nodrop:
            back.setsockopt(zmq.XPUB_NODROP, 1)
        try:
            front.bind(xsub_bind)
            back.bind(xpub_bind)
        except zmq.ZMQError as e:
            front.close(0)
            back.close(0)
            self.ctx.term()
            raise OSError(f"cannot listen on {xsub_bind} and {xpub_bind}: {e}") from None
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
        self.ctx.term()


class ZeroMQBackend(ClusterBackend):
    """See the module docstring."""

    def __init__(self, node_id: str, warn, options: ZeroMQOptions | None = None):
        super().__init__(node_id, warn)
        self.opts = options or ZeroMQOptions()
        self.ctx: zmq.Context | None = None
        self.xpub: zmq.Socket | None = None
        self.xsub: zmq.Socket | None = None
        self._id = node_id.encode()
        self._aloop = None
        self._kicked = False
        #: Topics other processes subscribe to (from this node's XPUB).
        self.remote_topics: set[bytes] = set()

    # ------------------------------------------------------------------ setup

    def _do_init(self) -> bool:
        o = self.opts
        self.ctx = zmq.Context(io_threads=1)
        xpub = _tune(self.ctx.socket(zmq.XPUB), o.linger_ms, o.ipv6)
        xpub.setsockopt(zmq.XPUB_VERBOSER, 1)
        if o.connect_xpub_nodrop:
            xpub.setsockopt(zmq.XPUB_NODROP, 1)
        xpub.setsockopt(zmq.SNDHWM, o.xpub_sndhwm)
        if o.xpub_sndbuf >= 0:
            xpub.setsockopt(zmq.SNDBUF, o.xpub_sndbuf)
        xsub = _tune(self.ctx.socket(zmq.XSUB), o.linger_ms, o.ipv6)
        xsub.setsockopt(zmq.RCVHWM, o.xsub_rcvhwm)
        if o.xsub_rcvbuf >= 0:
            xsub.setsockopt(zmq.RCVBUF, o.xsub_rcvbuf)
        try:
            xpub.connect(o.connect_xpub_endpoint)
            xsub.connect(o.connect_xsub_endpoint)
        except zmq.ZMQError as e:
            xpub.close(0)
            xsub.close(0)
            self.ctx.term()
            raise OSError(
                f"cannot connect to {o.connect_xpub_endpoint} / {o.connect_xsub_endpoint}: {e}"
            ) from None
        self.xpub, self.xsub = xpub, xsub
        for prefix in sorted(self.subscriptions):
            self._do_subscribe(prefix.encode("utf-8", "surrogateescape"))
        return True

    def _do_start_io(self, aloop) -> None:
        self._aloop = aloop
        aloop.add_reader(self.xsub.getsockopt(zmq.FD), self._drain_xsub)
        aloop.add_reader(self.xpub.getsockopt(zmq.FD), self._drain_xpub)
        # Edge-triggered: anything that arrived before now must be read explicitly.
        self._kick()

    # ---------------------------------------------------------------- sending

    def _do_publish(self, topic: bytes, fmt: bytes, payload: bytes) -> bool:
        send = self.xpub.send
        try:
            send(topic, zmq.SNDMORE | zmq.NOBLOCK)
        except zmq.Again:
            return False
        send(self._id, zmq.SNDMORE)
        send(fmt, zmq.SNDMORE)
        send(payload)
        self._kick()
        return True

    def _do_subscribe(self, prefix: bytes) -> bool:
        if self.xsub is None:
            return True  # sent by _do_init
        self.xsub.send(b"\x01" + prefix)
        self._kick()
        return True

    def _do_unsubscribe(self, prefix: bytes) -> bool:
        if self.xsub is None:
            return True
        self.xsub.send(b"\x00" + prefix)
        self._kick()
        return True

    def _kick(self) -> None:
        # A send may consume the file descriptors' edge: look for input soon.
        if self._aloop is not None and not self._kicked:
            self._kicked = True
            self._aloop.call_soon(self._drain_both)

    def _drain_both(self) -> None:
        self._kicked = False
        self._drain_xsub()
        self._drain_xpub()

    # -------------------------------------------------------------- receiving

    def _drain_xsub(self) -> None:
        sock = self.xsub
        if sock is None:
            return
        deliver = self.deliver
        own = self._id
        recv = sock.recv_multipart
        n = 0
        try:
            while n < _BATCH:
                frames = recv(zmq.NOBLOCK)
                n += 1
                if len(frames) != 4:
                    self.stats.malformed += 1
                    self.warn_once(
                        "frames",
                        f"cluster: dropped a message with {len(frames)} frames (expected 4)",
                    )
                    continue
                if frames[1] == own:
                    continue
                deliver(frames[0], frames[2], frames[3])
        except zmq.Again:
            return
        except zmq.ZMQError:
            return
        if self._aloop is not None:
            self._aloop.call_soon(self._drain_xsub)  # more may be waiting: after the loop's turn

    def _drain_xpub(self) -> None:
        sock = self.xpub
        if sock is None:
            return
        topics = self.remote_topics
        try:
            while True:
                msg = sock.recv(zmq.NOBLOCK)
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
        except (zmq.Again, zmq.ZMQError):
            pass

    # --------------------------------------------------------------- shutdown

    def _do_terminate(self) -> None:
        aloop = self._aloop
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
        self.ctx.term()
