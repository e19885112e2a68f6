"""The NATS cluster backend: ``Cluster::CLUSTER_BACKEND_NATS``.

Selected with ``backend = "nats"`` in a layout's ``[cluster]`` table (or
``@load policy/frameworks/cluster/backend/nats``).  Every node connects to
a NATS server (any server of a NATS cluster: ``url`` lists several,
separated by commas); there is no central proxy, so the manager is not
a single point of failure, and a node whose server dies reconnects to
another server of the cluster.

**Subjects.**  Zeek topics are prefixes of arbitrary strings, NATS subjects
are dot-separated tokens with wildcards.  A topic becomes the subject
``<subject_prefix>.t.<token>...``, one token per segment of the topic
(separated by ``.`` or ``/``), each made subject-safe (:func:`subject_token`: bytes outside
``[A-Za-z0-9_-]`` as ``%XX``, an empty segment ``%``).  A subscription to
a topic prefix subscribes to ``<subject_prefix>.t.<tokens of the complete
segments of the prefix>.>``, which matches every topic starting with the
prefix (and some others); the exact topic travels in the message and the
receiver keeps what really starts with one of its prefixes.  When several
of a node's subscriptions match one message, NATS delivers it once per
subscription: the node keeps only the copy that came through the
subscription of the shortest matching prefix, so each event is delivered
once, as with ZeroMQ.

**Messages.**  A message's data is ``ZN1`` + the lengths of topic, sender
id and format (2, 1 and 1 bytes) + those three + the payload (the
serializer's bytes).  The exact topic is in the data rather than in a NATS
header: a Zeek topic may hold bytes a header cannot, and parsing headers
costs nats-py several times what the framing costs.  The connection is
made with ``no_echo``: a node never receives its own messages.

**Presence: node_up and node_down.**  NATS does not tell a client who
subscribes to what, which the ZeroMQ backend learns from its XPUB and turns
into ``Cluster::node_up``/``node_down`` (the handshake of
``base/frameworks/cluster/handshake``).  Here every node announces itself
on ``<subject_prefix>.presence`` every ``heartbeat_interval`` (0.5 s): its
id, its subscriptions and the ids of the nodes it currently sees.  From
these the backend reports other nodes' subscriptions exactly as the ZeroMQ
backend does (``topic_seen``: a topic's first subscriber and its last
going away), and keeps :attr:`NATSBackend.remote_topics`.  A node silent
for ``heartbeat_timeout`` (1.5 s, the ZeroMQ backend's heartbeat bounds) is
gone: its subscriptions are withdrawn, and ``node_down`` follows.  A node
that stops says goodbye at once.  A node seeing a new node announces
itself at once, so start-up does not wait for a heartbeat.  When a node
finds that another stopped seeing it (its announcements used to list this
node and no longer do: the other one timed it out while a server was
lost), it withdraws and re-adds that node, so both sides run the handshake
again: ``node_down`` followed by ``node_up``, never a one-sided view.

**Threads.**  The nats-py client runs on an asyncio loop in a thread of its
own (as the JetStream log writer's does), so heartbeats go out and are
checked however busy the event loop is.  Publishing appends to a queue the
client thread sends from (one wake-up per batch); received messages and
presence changes are queued for the event-loop thread, which delivers
them in order (one wake-up per batch).  At most ``max_pending`` messages
wait to be sent; a publish that finds the queue full waits for room up to
``block_timeout`` and is then dropped and counted (flow control, as the
ZeroMQ backend's ``xpub_sndhwm`` 0).  While the connection is down nats-py
buffers up to ``pending_size`` bytes; beyond that publishes are dropped
and counted.  As with ZeroMQ, an event published to a topic nobody
subscribes to at that moment is lost (NATS core is at-most-once).

**Logs.**  Log batches do not go through topics: the nodes that write logs
(loggers, or the manager without loggers) subscribe to
``<subject_prefix>.logs`` in the queue group ``loggers``, so NATS hands
each batch to one of them (as ZeroMQ's PUSH spreads batches over the
loggers); :class:`NATSLogSink` is the other nodes' remote log sink.
"""

from __future__ import annotations

import asyncio
import collections
import json
import re
import struct
import threading
import time
from collections.abc import Callable

from ..natsconn import connect, error_text
from .backend import ClusterBackend

__all__ = [
    "NATSBackend",
    "NATSLogSink",
    "NATSOptions",
    "subject_for_prefix",
    "subject_for_topic",
    "subject_token",
]

_MAGIC = b"ZN1"
_HEAD = struct.Struct("!3sHBB")
#: The format of presence announcements.
PRESENCE_FORMAT = b"zscript-presence-v1"
#: Messages delivered per turn of the event loop before yielding.
_BATCH = 2000
#: Messages the client thread hands to nats-py before it lets its other tasks run.
_YIELD_EVERY = 500
_SEPARATORS = re.compile(rb"[./]")
_SAFE = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")


class NATSOptions:
    """The settings of :class:`NATSBackend` (``Cluster::Backend::NATS::*``)."""

    def __init__(self, **kw):
        self.url = "nats://127.0.0.1:4222"
        self.subject_prefix = "zeek"
        self.heartbeat_interval = 0.5
        self.heartbeat_timeout = 1.5
        self.connect_timeout = 5.0
        #: Messages waiting to be sent before a publish waits for room.
        self.max_pending = 10000
        #: How long a publish waits for room before the event is dropped.
        self.block_timeout = 10.0
        #: Bytes nats-py buffers while reconnecting.
        self.pending_size = 8 << 20
        #: Whether this node receives log batches (a logger, or the manager without one).
        self.log_receiver = False
        for k, v in kw.items():
            if not hasattr(self, k):
                raise TypeError(f"unknown NATS option {k}")
            setattr(self, k, v)


def subject_token(segment: bytes) -> str:
    """One topic segment as a NATS subject token (never empty, no ``.*>`` or blanks)."""
    if segment and all(b in _SAFE for b in segment):
        return segment.decode("ascii")
    return "".join(chr(b) if b in _SAFE else f"%{b:02X}" for b in segment) or "%"


def _segments(topic: bytes) -> list[bytes]:
    # Zeek's topics use "." (ZeroMQ) or "/" (Broker, the replicated stores).
    return _SEPARATORS.split(topic)


def subject_for_topic(root: str, topic: bytes) -> str:
    """The subject an event of ``topic`` is published to."""
    return root + ".t." + ".".join(subject_token(s) for s in _segments(topic))


def subject_for_prefix(root: str, prefix: bytes) -> str:
    """The subject that a subscription to topic prefix ``prefix`` subscribes to:
    it matches the subject of every topic that starts with ``prefix``."""
    complete = _segments(prefix)[:-1]  # the last segment may continue in a topic
    return ".".join([root, "t", *(subject_token(s) for s in complete), ">"])


def _frame(topic: bytes, sender: bytes, fmt: bytes, payload: bytes) -> bytes:
    return _HEAD.pack(_MAGIC, len(topic), len(sender), len(fmt)) + topic + sender + fmt + payload


def _unframe(data: bytes) -> tuple[bytes, bytes, bytes, bytes] | None:
    if len(data) < _HEAD.size:
        return None
    magic, lt, ls, lf = _HEAD.unpack_from(data)
    if magic != _MAGIC:
        return None
    a = _HEAD.size
    b, c, d = a + lt, a + lt + ls, a + lt + ls + lf
    if len(data) < d:
        return None
    return data[a:b], data[b:c], data[c:d], data[d:]


class _Peer:
    __slots__ = ("last", "saw_me", "subs")

    def __init__(self) -> None:
        self.last = 0.0
        self.subs: set[str] = set()
        self.saw_me = False


class NATSBackend(ClusterBackend):
    """See the module docstring."""

    #: Prefix of the script events reporting other nodes' subscriptions.
    script_module = "Cluster::Backend::NATS::"
    name = "NATS"

    def __init__(self, node_id: str, warn, options: NATSOptions | None = None):
        super().__init__(node_id, warn)
        self.opts = options or NATSOptions()
        self.root = self.opts.subject_prefix
        self._id = node_id.encode()
        #: Topics other nodes subscribe to (event-loop thread).
        self.remote_topics: set[bytes] = set()
        #: Connection events (``disconnected``, ``reconnected``), for the subsystem.
        self.connection_event: Callable[[str, str], None] = lambda what, server: None
        self.reconnects = 0
        self.disconnects = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._nc = None
        self._aloop = None  # the event loop's asyncio loop
        # Event-loop thread -> client thread.
        self._out: collections.deque = collections.deque()
        self._out_wake = False
        self._pumping = False
        # Client thread -> event-loop thread: (kind, a, b, c).
        self._in: collections.deque = collections.deque()
        self._in_wake = False
        # Client thread only.
        self._subs: dict[str, object] = {}  # NATS subject -> subscription
        self._routes: dict[int, Callable[[bytes], None]] = {}  # subscription id -> handler
        self._prefixes: dict[bytes, str] = {}  # topic prefix -> NATS subject
        self._owner: dict[bytes, str | None] = {}  # topic -> subject that delivers it
        self._peers: dict[str, _Peer] = {}
        self._counts: collections.Counter = collections.Counter()
        self._presence_subject = self.root + ".presence"
        self._log_subject = self.root + ".logs"
        self.log_accept: Callable[[bytes], None] | None = None
        self._closing = False

    # ------------------------------------------------------------------ setup

    def _do_init(self) -> bool:
        o = self.opts
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="zscript-nats-cluster", daemon=True
        )
        self._thread.start()
        fut = asyncio.run_coroutine_threadsafe(self._connect(), self._loop)
        try:
            fut.result(o.connect_timeout * 3 + 5)
        except Exception as e:
            self._stop_thread()
            raise OSError(str(e)) from None
        return True

    async def _connect(self) -> None:
        o = self.opts

        async def disconnected() -> None:
            if not self._closing:
                self.disconnects += 1
                self._in.append(("conn", "disconnected", "", None))
                self._wake_in()

        async def reconnected() -> None:
            self.reconnects += 1
            url = self._nc.connected_url
            self._in.append(("conn", "reconnected", url.netloc if url else "", None))
            self._wake_in()
            self._announce()

        async def error(e: Exception) -> None:
            pass  # reconnection handles it; connect() words the first failure

        self._nc = await connect(
            o.url,
            o.connect_timeout,
            f"zscript-cluster-{self.node_id}",
            reconnect=True,
            no_echo=True,
            # Our subjects are valid by construction (subject_token).
            skip_subject_validation=True,
            pending_size=o.pending_size,
            disconnected_cb=disconnected,
            reconnected_cb=reconnected,
            error_cb=error,
        )
        self._route_messages()
        for prefix in sorted(self.subscriptions):
            await self._sub(prefix.encode("utf-8", "surrogateescape"))
        await self._subscribe(self._presence_subject, self._on_presence)
        if o.log_receiver:
            await self._subscribe(self._log_subject, self._on_log, queue="loggers")
        await self._nc.flush()
        self._announce()
        self._loop.call_later(o.heartbeat_interval, self._heartbeat)

    def _do_start_io(self, aloop) -> None:
        self._aloop = aloop
        self._in_wake = True
        aloop.call_soon(self._drain_in)

    # ---------------------------------------------------------------- sending

    def _do_publish(self, topic: bytes, fmt: bytes, payload: bytes) -> bool:
        return self._queue_out(
            subject_for_topic(self.root, topic), _frame(topic, self._id, fmt, payload)
        )

    def _queue_out(self, subject: str, data: bytes) -> bool:
        out = self._out
        if len(out) >= self.opts.max_pending and not self._wait_for_room():
            return False
        out.append((subject, data))
        if not self._out_wake:
            self._out_wake = True
            try:
                self._loop.call_soon_threadsafe(self._kick)
            except RuntimeError:  # the client loop is closed
                return False
        return True

    def _wait_for_room(self) -> bool:
        """Flow control: wait until the client thread took messages off the
        queue (it never waits for the event loop); False after ``block_timeout``."""
        self.stats.send_waits += 1
        deadline = time.monotonic() + self.opts.block_timeout
        limit = self.opts.max_pending
        while len(self._out) >= limit:
            if time.monotonic() >= deadline or self._loop is None:
                return False
            time.sleep(0.001)
        return True

    def _kick(self) -> None:
        """On the client thread: make sure a task sends what is queued."""
        self._out_wake = False
        if not self._pumping and self._out:
            self._pumping = True
            self._loop.create_task(self._pump())

    async def _pump(self) -> None:
        """On the client thread: hand the queued messages to nats-py, in order
        (one task at a time; nats-py's publish only waits when its buffer
        is full)."""
        out = self._out
        n = 0
        try:
            while out:
                n += 1
                if n % _YIELD_EVERY == 0:
                    # Let nats-py's reader and flusher, and the heartbeats, run.
                    await asyncio.sleep(0)
                subject, data = out.popleft()
                nc = self._nc
                if nc is None:
                    out.clear()
                    return
                try:
                    await nc.publish(subject, data)
                except Exception as e:  # noqa: BLE001 - buffer full while reconnecting, closed
                    self.stats.send_drops += 1
                    text = f"cluster: NATS dropped a message: {error_text(e)}"
                    self._in.append(("warn", text, None, None))
                    self._wake_in()
        finally:
            self._pumping = False

    def _do_subscribe(self, prefix: bytes) -> bool:
        if self._loop is None or self._nc is None:
            return True  # made by _connect
        self._loop.call_soon_threadsafe(self._loop.create_task, self._sub(prefix))
        return True

    def _do_unsubscribe(self, prefix: bytes) -> bool:
        if self._loop is None or self._nc is None:
            return True
        self._loop.call_soon_threadsafe(self._loop.create_task, self._unsub(prefix))
        return True

    async def _sub(self, prefix: bytes) -> None:
        if prefix in self._prefixes:
            return
        subject = subject_for_prefix(self.root, prefix)
        self._prefixes[prefix] = subject
        self._owner.clear()
        if subject not in self._subs:
            self._subs[subject] = None
            self._subs[subject] = await self._subscribe(subject, self._receiver(subject))
        self._announce()

    async def _unsub(self, prefix: bytes) -> None:
        subject = self._prefixes.pop(prefix, None)
        if subject is None:
            return
        self._owner.clear()
        if subject not in self._prefixes.values():
            sub = self._subs.pop(subject, None)
            if sub is not None:
                self._routes.pop(sub._id, None)
                await sub.unsubscribe()
        self._announce()

    # -------------------------------------------------------------- receiving

    def _receiver(self, subject: str) -> Callable[[bytes], None]:
        """The handler of what the NATS subscription to ``subject`` receives:
        it queues the events whose topic starts with one of our prefixes and
        that no other of our subscriptions delivers (see the module docstring)."""
        owners = self._owner
        own = self._id
        queue = self._in
        stats = self.stats

        def received(data: bytes) -> None:
            parts = _unframe(data)
            if parts is None:
                stats.malformed += 1
                return
            topic = parts[0]
            owner = owners.get(topic, 0)
            if owner == 0:
                if len(owners) >= 4096:
                    owners.clear()
                owner = owners[topic] = self._owner_of(topic)
            if owner != subject or parts[1] == own:
                return
            queue.append(("event", topic, parts[2], parts[3]))
            if not self._in_wake:
                self._wake_in()

        return received

    async def _subscribe(self, subject: str, handler: Callable[[bytes], None], queue: str = ""):
        """A NATS subscription whose messages go to ``handler(data)``, in the
        order the server sent them (see :meth:`_route_messages`)."""

        async def cb(msg) -> None:  # used only without the ordered path
            handler(msg.data)

        sub = await self._nc.subscribe(subject, queue=queue, cb=cb)
        self._routes[sub._id] = handler
        return sub

    def _route_messages(self) -> None:
        """Hand the messages of our subscriptions to their handlers straight
        from nats-py's protocol reader, in the order they arrived.

        nats-py gives every subscription its own queue and task, so messages
        of two subscriptions (two topic prefixes) would be handled in
        another order than the server sent them; ZeroMQ keeps a publisher's
        order across topics, and scripts may rely on it.  This wraps the
        client's ``_process_msg`` (nats-py 2.x); without it (another nats-py)
        the subscription callbacks are used, in nats-py's order.
        """
        nc = self._nc
        orig = getattr(nc, "_process_msg", None)
        if orig is None:
            return
        routes = self._routes

        async def process(sid, subject, reply, data, headers) -> None:
            handler = routes.get(sid)
            if handler is None:
                await orig(sid, subject, reply, data, headers)
            else:
                handler(data)

        nc._process_msg = process

    def _owner_of(self, topic: bytes) -> str | None:
        """The subject of the shortest of this node's prefixes ``topic`` starts with."""
        best = None
        for prefix, subject in self._prefixes.items():
            if topic.startswith(prefix) and (best is None or (len(prefix), prefix) < best[0]):
                best = ((len(prefix), prefix), subject)
        return best[1] if best is not None else None

    def _on_log(self, data: bytes) -> None:
        parts = _unframe(data)
        if parts is None:
            self.stats.malformed += 1
            return
        self._in.append(("log", parts[3], None, None))
        self._wake_in()

    def _wake_in(self) -> None:
        if self._in_wake or self._aloop is None:
            return
        self._in_wake = True
        try:
            self._aloop.call_soon_threadsafe(self._drain_in)
        except RuntimeError:
            pass  # the event loop's asyncio loop is closed: the process is ending

    def _drain_in(self) -> None:
        """On the event-loop thread: deliver what the client thread received."""
        self._in_wake = False
        q = self._in
        deliver = self.deliver
        n = 0
        while q and n < _BATCH:
            kind, a, b, c = q.popleft()
            n += 1
            if kind == "event":
                try:
                    deliver(a, b, c)
                except Exception as e:  # noqa: BLE001 - never kill the reader
                    self.stats.malformed += 1
                    self.warn_once("deliver", f"cluster: dropped an event: {e!r}")
            elif kind == "topic":
                raw = a.encode("utf-8", "surrogateescape")
                if b:
                    self.remote_topics.add(raw)
                else:
                    self.remote_topics.discard(raw)
                self.topic_seen(a, b)
            elif kind == "log":
                if self.log_accept is not None:
                    self.log_accept(a)
            elif kind == "conn":
                self.connection_event(a, b)
            elif kind == "warn":
                self.warn_once(a[:40], a)
        if q and self._aloop is not None:
            self._in_wake = True
            self._aloop.call_soon(self._drain_in)

    # --------------------------------------------------------------- presence

    def _announce(self, bye: bool = False) -> None:
        """On the client thread: tell the others who we are and what we subscribe to."""
        nc = self._nc
        if nc is None or nc.is_closed:
            return
        doc = {
            "id": self.node_id,
            "subs": []
            if bye
            else sorted(p.decode("utf-8", "surrogateescape") for p in self._prefixes),
            "sees": [] if bye else sorted(self._peers),
            "bye": bye,
        }
        data = _frame(b"", self._id, PRESENCE_FORMAT, json.dumps(doc).encode())
        # In order with the events (ahead of none of them), whatever the queue's length.
        self._out.append((self._presence_subject, data))
        self._kick()

    def _on_presence(self, data: bytes) -> None:
        parts = _unframe(data)
        if parts is None or parts[2] != PRESENCE_FORMAT:
            self.stats.malformed += 1
            return
        try:
            doc = json.loads(parts[3])
            pid = str(doc["id"])
            subs = {str(s) for s in doc["subs"]}
            sees = {str(s) for s in doc["sees"]}
            bye = bool(doc["bye"])
        except (ValueError, KeyError, TypeError):
            self.stats.malformed += 1
            return
        if pid == self.node_id:
            return
        peer = self._peers.get(pid)
        if bye:
            if peer is not None:
                self._forget(pid)
            return
        sees_me = self.node_id in sees
        if peer is not None and peer.saw_me and not sees_me:
            # It timed us out (a lost server): start over on both sides.
            self._forget(pid)
            peer = None
        new = peer is None
        if new:
            peer = self._peers[pid] = _Peer()
        peer.last = time.monotonic()
        peer.saw_me = sees_me
        self._set_subs(peer, subs)
        if new:
            self._announce()  # the newcomer learns about us without waiting

    def _set_subs(self, peer: _Peer, subs: set[str]) -> None:
        counts = self._counts
        for t in sorted(subs - peer.subs):
            counts[t] += 1
            if counts[t] == 1:
                self._in.append(("topic", t, True, None))
        for t in sorted(peer.subs - subs):
            counts[t] -= 1
            if counts[t] <= 0:
                del counts[t]
                self._in.append(("topic", t, False, None))
        peer.subs = subs
        self._wake_in()

    def _forget(self, pid: str) -> None:
        peer = self._peers.pop(pid, None)
        if peer is not None:
            self._set_subs(peer, set())

    def _heartbeat(self) -> None:
        """On the client thread, every ``heartbeat_interval``: announce, and
        forget the nodes silent for ``heartbeat_timeout``."""
        if self._closing:
            return
        now = time.monotonic()
        limit = self.opts.heartbeat_timeout
        for pid in [p for p, peer in self._peers.items() if now - peer.last > limit]:
            self._forget(pid)
        if self._nc is not None and self._nc.is_connected:
            self._announce()
        self._loop.call_later(self.opts.heartbeat_interval, self._heartbeat)

    # ------------------------------------------------------------------- logs

    def send_log(self, payload: bytes, fmt: bytes) -> bool:
        """Queue a log batch for one of the log receivers."""
        return self._queue_out(self._log_subject, _frame(b"", self._id, fmt, payload))

    def drain_logs(self, quiet: float = 0.2, limit: float = 5.0) -> None:
        """On a log receiver at shutdown: write the batches that reached this
        node, until none arrives for ``quiet`` seconds (at most ``limit``)."""
        deadline = time.monotonic() + limit
        last = time.monotonic()
        while time.monotonic() < deadline and time.monotonic() - last < quiet:
            if self._in:
                self._drain_in()
                last = time.monotonic()
            else:
                time.sleep(0.01)

    # --------------------------------------------------------------- shutdown

    def _do_terminate(self) -> None:
        loop = self._loop
        if loop is None:
            return
        self._closing = True
        if self._aloop is not None:
            self._drain_in()

        async def close() -> None:
            nc = self._nc
            self._announce(bye=True)
            deadline = time.monotonic() + 5.0
            while (self._out or self._pumping) and time.monotonic() < deadline:
                await asyncio.sleep(0.01)
            try:
                if nc.is_connected:
                    # Sends what is buffered (the goodbye too), then closes.
                    await asyncio.wait_for(nc.drain(), 5.0)
            except Exception:  # noqa: BLE001 - closing anyway
                pass
            try:
                await nc.close()
            except Exception:  # noqa: BLE001 - closing anyway
                pass
            # nats-py leaves subscription tasks behind when the server is gone.
            me = asyncio.current_task()
            rest = [t for t in asyncio.all_tasks() if t is not me]
            for t in rest:
                t.cancel()
            await asyncio.gather(*rest, return_exceptions=True)

        try:
            asyncio.run_coroutine_threadsafe(close(), loop).result(8.0)
        except Exception:  # noqa: BLE001 - closing anyway
            pass
        self._stop_thread()

    def _stop_thread(self) -> None:
        loop, self._loop = self._loop, None
        if loop is None:
            return
        loop.call_soon_threadsafe(loop.stop)
        if self._thread is not None:
            self._thread.join(5.0)
            if not self._thread.is_alive():
                loop.close()
        self._nc = None


class NATSLogSink:
    """The remote log sink of a node that sends its logs over NATS (see the
    module docstring); counts what it sent and could not send."""

    def __init__(self, backend: NATSBackend, encode: Callable[[object], bytes], fmt: bytes):
        self.backend = backend
        self.encode = encode
        self.fmt = fmt
        self.sent = 0
        self.send_drops = 0

    def send(self, batch) -> bool:
        if self.backend._loop is not None and self.backend.send_log(self.encode(batch), self.fmt):
            self.sent += 1
            return True
        self.send_drops += 1
        return False


_OPT = "Cluster::Backend::NATS::"


def make_backend(cluster, node_id: str) -> NATSBackend:
    """The backend of ``Cluster::init()`` with ``Cluster::backend`` NATS, from
    the script options; wires remote logging (see the module docstring).
    ``cluster`` is the :class:`~.subsystem.ClusterSubsystem`."""
    from .logtransport import LOG_FORMAT

    host = cluster.host

    def opt(name, default):
        v = host.global_value(_OPT + name, default)
        return default if v is None else v

    kind = cluster.node_type
    manager_logs = bool(host.global_value("Cluster::manager_is_logger", True))
    receiver = kind == "logger" or (kind == "manager" and manager_logs)
    opts = NATSOptions(
        url=str(opt("url", "nats://127.0.0.1:4222")),
        subject_prefix=str(opt("subject_prefix", "zeek")),
        heartbeat_interval=float(opt("heartbeat_interval", 0.5)),
        heartbeat_timeout=float(opt("heartbeat_timeout", 1.5)),
        connect_timeout=float(opt("connect_timeout", 5.0)),
        max_pending=int(opt("max_pending", 10000)),
        block_timeout=float(opt("block_timeout", 10.0)),
        pending_size=int(opt("pending_size", 8 << 20)),
        log_receiver=receiver and cluster.node != "",
    )
    backend = NATSBackend(node_id, host.reporter.warning, opts)

    def connection(what: str, server: str) -> None:
        h = host.loop.registry.lookup(_OPT + "connection")
        if h is not None and h.handlers:
            host.loop.post(h, (what, server))

    backend.connection_event = connection
    logs = host.subsystems.get("cluster-logs")
    if logs is not None and cluster.node:
        if receiver:
            backend.log_accept = logs.accept
            host.loop.on_shutdown.append(backend.drain_logs)
        elif kind:
            logs.connect_sink(NATSLogSink(backend, logs.encode, LOG_FORMAT))
    return backend
