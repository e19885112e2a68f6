"""Finding connections whose peer's host is gone, without mistaking a slow
peer for a dead one.

A process that dies is noticed at once (its kernel closes its connections),
and an idle connection to a host that vanished (power, cable) is closed by
TCP keepalive (:func:`~.zeromq.tune_socket`).  Left over is a connection
with data on its way to a vanished host: keepalive does not probe it, and
TCP retransmits for many minutes (``net.ipv4.tcp_retries2``) before it gives
up.  The knob meant for that, ``TCP_USER_TIMEOUT`` (``ZMQ_TCP_MAXRT``), is
no use to an event stream: Linux applies it to zero-window probes too, so it
also closes the connection of a live receiver that merely stopped reading
for that long, and every event queued for it is lost.  ZMTP heartbeats have
the same flaw one level up (a receiver that falls behind stops reading them).

:class:`PeerWatch` asks the kernel instead.  It keeps the descriptors of a
socket's connections (from its monitor: ``EVENT_CONNECTED`` /
``EVENT_ACCEPTED`` carry them) and, on each :meth:`PeerWatch.check`, reads
each one's ``TCP_INFO``: a connection whose last :data:`DEAD_RETRANSMITS`
retransmissions, or :data:`DEAD_PROBES` window or keepalive probes, all went
unanswered has a peer whose kernel no longer answers, and is shut down
(``shutdown(2)`` on a duplicate of the descriptor), which libzmq sees as the
connection closing.  A stalled receiver's kernel answers every probe with a
shut window, so it is never counted.  Linux only (elsewhere ``check`` finds
nothing).
"""

from __future__ import annotations

import os
import socket
import sys
import threading
import time

import zmq
from zmq.utils.monitor import parse_monitor_message

__all__ = [
    "CHECK_INTERVAL",
    "DEAD_PROBES",
    "DEAD_RETRANSMITS",
    "PeerWatch",
    "WatchThread",
    "peer_unanswering",
]

#: Unanswered retransmissions of the same data (RTO doubles each time:
#: from 0.2 s that is ~3 s without any acknowledgement).
DEAD_RETRANSMITS = 4
#: Unanswered zero-window or keepalive probes in a row.
DEAD_PROBES = 3
#: How often a watch is checked (seconds).
CHECK_INTERVAL = 1.0

_TCP_INFO = getattr(socket, "TCP_INFO", None) if sys.platform.startswith("linux") else None


def peer_unanswering(sock: socket.socket) -> bool:
    """Whether the kernel has had no answer from the peer of ``sock`` for
    :data:`DEAD_RETRANSMITS` retransmissions or :data:`DEAD_PROBES` probes.

    ``struct tcp_info`` starts with the bytes state, ca_state, retransmits
    (``icsk_retransmits``), probes (``icsk_probes_out``); the kernel resets
    both counters on every acknowledgement it receives.
    """
    if _TCP_INFO is None:
        return False
    try:
        info = sock.getsockopt(socket.IPPROTO_TCP, _TCP_INFO, 8)
    except OSError:
        return False
    return len(info) >= 4 and (info[2] >= DEAD_RETRANSMITS or info[3] >= DEAD_PROBES)


class PeerWatch:
    """The TCP connections of one or more ZeroMQ sockets, by descriptor.

    Fed from socket monitor events (:meth:`event`), checked periodically by
    its owner (:meth:`check`) from the thread that reads the monitors.  A
    descriptor is remembered with both ends' addresses, and acted on only
    while they still match, so a number libzmq closed and reused meanwhile
    is left alone.
    """

    def __init__(self) -> None:
        self._conns: dict[int, tuple] = {}
        #: Connections shut down because their peer stopped answering.
        self.shut_down = 0

    def event(self, number: int, value: int) -> None:
        """A monitor event (``zmq.EVENT_*``): connections come and go."""
        if number in (zmq.EVENT_CONNECTED, zmq.EVENT_ACCEPTED):
            ends = _ends(value)
            if ends is not None:
                self._conns[value] = ends
        elif number in (zmq.EVENT_DISCONNECTED, zmq.EVENT_CLOSED):
            self._conns.pop(value, None)

    def __len__(self) -> int:
        return len(self._conns)

    def check(self) -> list[str]:
        """Shut down every connection whose peer stopped answering; the
        peers' addresses (``host:port``) of those shut down."""
        if _TCP_INFO is None:
            return []
        gone = []
        for fd, ends in list(self._conns.items()):
            sock = _dup(fd)
            try:
                if sock is not None and _sock_ends(sock) == ends:
                    if not peer_unanswering(sock):
                        continue  # alive: keep watching
                    sock.shutdown(socket.SHUT_RDWR)
                    self.shut_down += 1
                    gone.append(f"{ends[1][0]}:{ends[1][1]}")
            except OSError:
                pass
            finally:
                if sock is not None:
                    sock.close()  # the duplicate only: libzmq's descriptor stays
            # Shut down, gone, or closed and its number reused meanwhile.
            del self._conns[fd]
        return gone


def _dup(fd: int) -> socket.socket | None:
    """A socket object for a duplicate of ``fd`` (closing it leaves ``fd`` open)."""
    try:
        nfd = os.dup(fd)
    except OSError:
        return None
    try:
        return socket.socket(fileno=nfd)
    except OSError:
        os.close(nfd)
        return None


def _ends(fd: int) -> tuple | None:
    sock = _dup(fd)
    if sock is None:
        return None
    try:
        if sock.family not in (socket.AF_INET, socket.AF_INET6):
            return None
        return _sock_ends(sock)
    except OSError:
        return None
    finally:
        sock.close()


def _sock_ends(sock: socket.socket) -> tuple:
    return (sock.getsockname()[:2], sock.getpeername()[:2])


class WatchThread:
    """A :class:`PeerWatch` over sockets that another thread uses (the
    central proxy's): a thread of its own reads their monitors and checks
    the watch every :data:`CHECK_INTERVAL`, until :meth:`stop`."""

    def __init__(self, ctx, socks, name: str):
        self.watch = PeerWatch()
        events = zmq.EVENT_ACCEPTED | zmq.EVENT_CONNECTED | zmq.EVENT_DISCONNECTED
        self._monitors = [s.get_monitor_socket(events | zmq.EVENT_CLOSED) for s in socks]
        self._wake = ctx.socket(zmq.PAIR)
        endpoint = f"inproc://zscript-peer-watch-{id(self)}"
        self._wake.bind(endpoint)
        self._thread = threading.Thread(
            target=self._run, args=(ctx, endpoint), name=name, daemon=True
        )
        self._thread.start()

    def _run(self, ctx, endpoint: str) -> None:
        wake = ctx.socket(zmq.PAIR)
        wake.connect(endpoint)
        poller = zmq.Poller()
        poller.register(wake, zmq.POLLIN)
        for m in self._monitors:
            poller.register(m, zmq.POLLIN)
        due = time.monotonic() + CHECK_INTERVAL
        try:
            while True:
                left = max(0.0, due - time.monotonic())
                for sock, _ in poller.poll(int(left * 1000) + 1):
                    if sock is wake:
                        return
                    ev = parse_monitor_message(sock.recv_multipart())
                    self.watch.event(int(ev["event"]), int(ev["value"]))
                if time.monotonic() >= due:
                    self.watch.check()
                    due = time.monotonic() + CHECK_INTERVAL
        except (zmq.ZMQError, ValueError):
            pass
        finally:
            for s in (wake, *self._monitors):
                s.close(0)

    def stop(self) -> None:
        """Stop the thread (after the watched sockets are closed)."""
        try:
            self._wake.send(b"", zmq.NOBLOCK)
        except zmq.ZMQError:
            pass
        self._thread.join(timeout=2)
        self._wake.close(0)
