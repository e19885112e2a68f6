"""Remote logging over ZeroMQ PUSH/PULL (Zeek's log pipeline, facts §2.1).

Logs never go through the central proxy.  Every node that writes logs (the
loggers, or the manager when the layout has no logger) binds a PULL socket
at ``Cluster::Backend::ZeroMQ::listen_log_endpoint``; every other node
connects one PUSH socket to all of ``connect_log_endpoints``, and ZeroMQ
spreads the batches over the connected loggers.  A batch is the 4-frame
message ``["log-write"][sender node id][format][payload]``.

This module moves bytes only; the logging framework is reached through two
callables the composition root connects (the cluster package does not import
the logging package):

* :attr:`LogTransport.encode`: a batch object → payload bytes (the sink side);
* :attr:`LogTransport.accept`: payload bytes → written (the logger side;
  raises ``ValueError`` for a payload that is not a batch).

:class:`LogTransport` is the logging framework's remote sink: ``send(batch)``
returns False when the batch cannot be queued (the send queue is at
``log_sndhwm``), and the logging framework counts those rows as dropped.
Batches queued while a logger is down are delivered when it is back (up to
the high-water mark).  On the receiving side, messages that are not log
batches in our format are counted in :attr:`LogTransport.malformed` and
dropped.

At a clean stop nothing logged is lost: a logger reads everything that
reached it before its ``zeek_done`` runs and again before it closes
(:meth:`LogTransport.drain_all`), and the supervisor stops the loggers last
(:mod:`.supervisor`), so the batches of every other node, its ``zeek_done``
included, arrive while a logger still reads.  A sender closes its PUSH
socket with ``linger_ms`` to get its last batches out.

``Cluster::init()`` starts it (:meth:`.subsystem.ClusterSubsystem.init_backend`),
as Zeek's backend sets up its log sockets in ``DoInit``.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from .curve import CurveError, CurveKeys, start_authenticator

__all__ = ["LOG_FORMAT", "LogTransport", "install"]

#: The format frame of our log batches (Zeek's own is ``zeek-bin-serializer``).
LOG_FORMAT = b"zscript-log-json-v1"
_TOPIC = b"log-write"
_ZMQ = "Cluster::Backend::ZeroMQ::"


class LogTransport:
    """PUSH to the loggers and/or PULL from the other nodes; see the module docstring."""

    def __init__(
        self,
        node_id: str,
        warn: Callable[[str], None],
        *,
        connect: list[str],
        listen: str = "",
        sndhwm: int = 1000,
        rcvhwm: int = 1000,
        linger_ms: int = 500,
        ipv6: bool = False,
        curve: CurveKeys | None = None,
        socket_event: Callable[[int, int, str], None] | None = None,
    ):
        import zmq  # here, not at start-up: only cluster nodes use it

        self.node_id = node_id.encode()
        self.warn = warn
        self.encode: Callable[[object], bytes] = lambda batch: batch.encode()
        self.accept: Callable[[bytes], object] = lambda payload: None
        self.sent = 0
        self.received = 0
        self.malformed = 0
        #: Batches that could not be queued for a logger (status and metrics).
        self.send_drops = 0
        self._warned = False
        self.ctx = zmq.Context(io_threads=1)
        self.push = None
        self.pull = None
        self._aloop = None
        self._auth = None
        self._monitor = None
        curve = curve or CurveKeys()
        if connect:
            # The cluster sockets' options and dead-peer detection (no ZMTP
            # heartbeats: a logger that falls behind stops answering them).
            from .zeromq import tune_socket

            s = tune_socket(self.ctx.socket(zmq.PUSH), linger_ms, ipv6)
            self.push = s
            s.setsockopt(zmq.SNDHWM, sndhwm)
            try:
                curve.configure_client(s)  # the loggers' PULL sockets are the servers
            except Exception:
                self.close()
                raise
            if socket_event is not None:
                from .monitor import SocketMonitor

                self._monitor = SocketMonitor(s, socket_event)
            for ep in connect:
                try:
                    s.connect(ep)
                except zmq.ZMQError as e:
                    self.close()
                    raise OSError(
                        f"Failed to connect push socket {ep}: {zmq.strerror(e.errno)}"
                    ) from None
        if listen:
            s = self.ctx.socket(zmq.PULL)
            self.pull = s
            s.setsockopt(zmq.LINGER, 0)
            s.setsockopt(zmq.RCVHWM, rcvhwm)
            s.setsockopt(zmq.IPV6, int(ipv6))
            try:
                curve.configure_server(s)
                self._auth = start_authenticator(self.ctx, curve)
                s.bind(listen)
            except zmq.ZMQError as e:
                self.close()
                raise OSError(
                    f"Failed to bind pull socket {listen}: {zmq.strerror(e.errno)}"
                ) from None
            except Exception:
                self.close()
                raise

    # ------------------------------------------------------------ sending

    def send(self, batch) -> bool:
        """Queue one batch for a logger; False if it cannot be (counted by the caller)."""
        import zmq

        if self.push is None:
            self.send_drops += 1
            return False
        try:
            payload = self.encode(batch)
            self.push.send_multipart([_TOPIC, self.node_id, LOG_FORMAT, payload], zmq.NOBLOCK)
        except zmq.Again:
            self.send_drops += 1
            if not self._warned:
                self._warned = True
                self.warn(
                    "cluster: failed to send a log batch (no logger reachable or HWM reached)"
                )
            return False
        self.sent += 1
        return True

    # ---------------------------------------------------------- receiving

    def start_io(self, aloop) -> None:
        import zmq

        if self._monitor is not None:
            self._monitor.start_io(aloop)
        if self.pull is None:
            return
        self._aloop = aloop
        aloop.add_reader(self.pull.getsockopt(zmq.FD), self._drain)
        aloop.call_soon(self._drain)

    def _drain(self) -> None:
        import zmq

        sock = self.pull
        if sock is None:
            return
        n = 0
        try:
            while n < 200:
                self._take(sock.recv_multipart(zmq.NOBLOCK))
                n += 1
        except zmq.Again:
            return
        except zmq.ZMQError:
            return
        if self._aloop is not None:
            self._aloop.call_soon(self._drain)

    def drain_all(self, quiet: float = 0.2, limit: float = 5.0) -> None:
        """Read every batch that has reached this node, until none arrives for
        ``quiet`` seconds (at most ``limit`` seconds): at shutdown."""
        import zmq

        sock = self.pull
        if sock is None:
            return
        deadline = time.monotonic() + limit
        try:
            while time.monotonic() < deadline:
                if not sock.poll(int(quiet * 1000)):
                    return
                self._take(sock.recv_multipart(zmq.NOBLOCK))
        except zmq.ZMQError:
            return

    def _take(self, frames: list[bytes]) -> None:
        """One received message: a log batch is accepted, anything else counted."""
        if len(frames) != 4 or frames[0] != _TOPIC or frames[2] != LOG_FORMAT:
            self._bad(f"a message that is not a log batch in format {LOG_FORMAT.decode()}")
            return
        try:
            self.accept(frames[3])
        except ValueError as e:
            self._bad(f"an undecodable log batch ({e})")
            return
        self.received += 1

    def _bad(self, what: str) -> None:
        self.malformed += 1
        if self.malformed == 1:
            self.warn(f"cluster: dropped {what}")

    def close(self) -> None:
        import zmq

        if self._monitor is not None:
            self._monitor.close()
            self._monitor = None
        if self.pull is not None:
            if self._aloop is not None:
                try:
                    self._aloop.remove_reader(self.pull.getsockopt(zmq.FD))
                except (zmq.ZMQError, ValueError, OSError):
                    pass
            self.pull.close(0)
            self.pull = None
        if self.push is not None:
            self.push.close()  # keeps LINGER: queued batches still go out
            self.push = None
        if self._auth is not None:
            self._auth.stop()
            self._auth = None
        self.ctx.term()


class LogTransportSubsystem:
    """Creates the node's :class:`LogTransport` when the script asks for it.

    :attr:`connect_sink` (set by the composition root) is called with the
    transport on a node that sends logs; :attr:`accept` with each received
    payload on a node that writes them.
    """

    def __init__(self, host):
        self.host = host
        self.transport: LogTransport | None = None
        self.connect_sink: Callable[[LogTransport], None] = lambda t: None
        self.encode: Callable[[object], bytes] = lambda batch: batch.encode()
        self.accept: Callable[[bytes], object] = lambda payload: None

    def _option(self, name: str, default):
        v = self.host.global_value(_ZMQ + name, default)
        return default if v is None else v

    def start(self) -> bool:
        if self.transport is not None:
            return True
        host = self.host
        node_id_fn = host.global_value("Cluster::node_id")
        node_id = node_id_fn() if callable(node_id_fn) else ""
        connect = [str(e) for e in (self._option("connect_log_endpoints", None) or [])]
        listen = str(self._option("listen_log_endpoint", ""))
        if not connect and not listen:
            return True
        cluster = host.subsystems.get("cluster")  # the keys and the monitoring events
        try:
            t = LogTransport(
                node_id,
                host.reporter.warning,
                connect=connect,
                listen=listen,
                sndhwm=int(self._option("log_sndhwm", 1000)),
                rcvhwm=int(self._option("log_rcvhwm", 1000)),
                linger_ms=int(self._option("linger_ms", 500)),
                ipv6=bool(self._option("ipv6", False)),
                curve=cluster.curve if cluster is not None else None,
                socket_event=cluster.socket_event if cluster is not None else None,
            )
        except OSError as e:
            host.reporter.error(f"ZeroMQ: {e}")
            return False
        except CurveError as e:
            host.reporter.error(str(e))
            return False
        t.encode = self.encode
        t.accept = self.accept
        self.transport = t
        host.loop.add_io(t.start_io)
        if listen:
            # What other nodes sent before they stopped is written before our
            # zeek_done, and what came during it before the writers close.
            host.loop.on_shutdown.append(t.drain_all)
            host.loop.on_exit.insert(0, lambda: t.drain_all(quiet=0.05))
        # After the logging framework sent its last batches (registered earlier).
        host.loop.on_exit.append(self.stop)
        if connect:
            self.connect_sink(t)
        return True

    def stop(self) -> None:
        if self.transport is not None:
            self.transport.close()
            self.transport = None

    def stats(self) -> dict[str, int]:
        """The transport's counters (zeros before it starts).

        ``log_send_drops``: batches not queued for a logger (its rows are
        counted in ``LogManager.dropped``); ``log_malformed``: received messages
        that were not log batches in our format.  Both are in the node's status
        and in its metrics (``zscript_cluster_log_*``).
        """
        t = self.transport
        if t is None:
            return {
                "log_batches_sent": 0,
                "log_batches_received": 0,
                "log_malformed": 0,
                "log_send_drops": 0,
            }
        return {
            "log_batches_sent": t.sent,
            "log_batches_received": t.received,
            "log_malformed": t.malformed,
            "log_send_drops": t.send_drops,
        }


def install(host) -> LogTransportSubsystem:
    return LogTransportSubsystem(host)
