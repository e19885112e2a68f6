"""ZeroMQ socket monitoring: what happens to a socket's connections.

ZeroMQ reports connection events of a socket (connected, disconnected,
retried, handshake succeeded or failed ...) on a monitor socket
(``zmq_socket_monitor``).  Zeek's ZeroMQ backend monitors its XPUB, XSUB
and log PUSH sockets with every event switched on and raises each one in
script as ``Cluster::Backend::ZeroMQ::monitoring_event(number, value,
address)``; the backend script makes failed handshakes (wrong CURVE keys,
encryption on one side only) fatal.  :class:`SocketMonitor` does the same
for one socket: the events are read from the asyncio loop and handed to a
callback as ``(number, value, address)``.
"""

from __future__ import annotations

from collections.abc import Callable

import zmq
from zmq.utils.monitor import parse_monitor_message

__all__ = ["HANDSHAKE_FAILED_EVENTS", "SocketMonitor"]

#: Failed handshakes (no detail: an errno; protocol: a ZMQ_PROTOCOL_ERROR_*;
#: authentication: the ZAP status code).
HANDSHAKE_FAILED_EVENTS = (
    zmq.EVENT_HANDSHAKE_FAILED_NO_DETAIL,
    zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL,
    zmq.EVENT_HANDSHAKE_FAILED_AUTH,
)


class SocketMonitor:
    """Every connection event of ``sock``, passed to ``on_event(number, value, address)``."""

    def __init__(self, sock: zmq.Socket, on_event: Callable[[int, int, str], None]):
        self.sock = sock
        self.on_event = on_event
        self.mon: zmq.Socket | None = sock.get_monitor_socket(zmq.EVENT_ALL)
        self._aloop = None

    def start_io(self, aloop) -> None:
        self._aloop = aloop
        aloop.add_reader(self.mon.getsockopt(zmq.FD), self.drain)
        aloop.call_soon(self.drain)  # edge-triggered: read what came before

    def drain(self) -> None:
        mon = self.mon
        try:
            while mon is not None and mon.get(zmq.EVENTS) & zmq.POLLIN:
                ev = parse_monitor_message(mon.recv_multipart(zmq.NOBLOCK))
                endpoint = ev.get("endpoint", b"")
                if isinstance(endpoint, bytes):
                    endpoint = endpoint.decode("utf-8", "replace")
                self.on_event(int(ev["event"]), int(ev["value"]), endpoint)
                mon = self.mon  # the callback may have closed it
        except (zmq.ZMQError, ValueError):
            pass

    def close(self) -> None:
        mon, self.mon = self.mon, None
        if mon is None:
            return
        if self._aloop is not None:
            try:
                self._aloop.remove_reader(mon.getsockopt(zmq.FD))
            except (zmq.ZMQError, ValueError, OSError):
                pass
        try:
            self.sock.disable_monitor()
        except zmq.ZMQError:
            pass
        mon.close(0)
