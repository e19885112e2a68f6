"""The ZeroMQ backend's sockets survive a slow receiver whose peer goes away,
and a node rejoins a central proxy that goes away without false alarms.

libzmq 4.3 aborts the whole process (``Assertion failed: !_io_error``) when a
ZMTP heartbeat timer fires on a connection that closed while the socket's
input was stopped by its receive high-water mark: a node that falls behind
and sees a peer stop.  Zeek's ``cluster/zeromq/overload-drop`` test hit it
on the manager at shutdown.  The scenario is reproduced here with sockets
tuned as the backend tunes them, in a child process (an abort would take
pytest with it).
"""

from __future__ import annotations

import asyncio
import os
import select
import socket
import subprocess
import sys
import textwrap
import threading
import time

import zmq

from zscript.cluster.liveness import PeerWatch
from zscript.cluster.zeromq import CentralProxy, ZeroMQBackend, ZeroMQOptions, tune_socket
from zscript.testing.golden import free_ports

CHILD = textwrap.dedent(
    """
    import time, zmq
    from zscript.cluster.zeromq import tune_socket

    ctx = zmq.Context()
    pub = ctx.socket(zmq.XPUB)
    pub.setsockopt(zmq.SNDHWM, 100000)
    port = pub.bind_to_random_port("tcp://127.0.0.1")
    sub = tune_socket(ctx.socket(zmq.XSUB), 0, False)
    sub.setsockopt(zmq.RCVHWM, 10)
    sub.setsockopt(zmq.RCVBUF, 4096)
    sub.connect(f"tcp://127.0.0.1:{port}")
    sub.send(b"\\x01")
    pub.recv()  # subscribed
    for _ in range(20000):  # far more than the receiver buffers: its input stops
        pub.send(b"x" * 100)
    time.sleep(0.05)
    pub.close(0)  # the peer goes away while the receiver's input is stopped
    time.sleep(1.2)  # more than two heartbeat intervals
    print("alive")
    """
)


def test_a_stalled_receiver_outlives_its_peer():
    res = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True, timeout=60)
    assert res.returncode == 0 and res.stdout.strip() == "alive", res.stderr


def test_a_receiver_that_stops_reading_for_seconds_loses_nothing():
    # Flow control, not a dead peer: the receiver's kernel still answers,
    # with a shut window, and neither the kernel nor the central proxy's
    # watch for vanished hosts (zscript/cluster/liveness.py) closes the
    # connection.  (With TCP_USER_TIMEOUT at 2.5 s, Linux closed it after
    # ~3 s, and the receiver got 20 events of 100,000.)  That a host that is
    # gone is noticed is tested in test_cluster_hosts_netns.py.
    xsub_port, xpub_port = free_ports(2)
    proxy = CentralProxy(f"tcp://127.0.0.1:{xsub_port}", f"tcp://127.0.0.1:{xpub_port}")
    ctx = zmq.Context()
    pub = tune_socket(ctx.socket(zmq.XPUB), 0, False)
    pub.setsockopt(zmq.SNDHWM, 0)
    gone = pub.get_monitor_socket(zmq.EVENT_DISCONNECTED)
    sub = tune_socket(ctx.socket(zmq.XSUB), 0, False)
    sub.setsockopt(zmq.RCVHWM, 10)
    sub.setsockopt(zmq.RCVBUF, 4096)
    try:
        pub.connect(f"tcp://127.0.0.1:{xsub_port}")
        sub.connect(f"tcp://127.0.0.1:{xpub_port}")
        sub.send(b"\x01")
        assert pub.recv() == b"\x01"  # subscribed, through the proxy
        n = 100_000  # ~10 MB: more than the kernels buffer, so the windows shut
        for i in range(n):
            pub.send(b"%099d" % i)
        time.sleep(4.5)  # the receiver's application stalls
        got = 0
        while sub.poll(2000):
            assert sub.recv() == b"%099d" % got
            got += 1
        assert got == n
        assert not gone.poll(0)
        assert proxy._watcher.watch.shut_down == 0
    finally:
        pub.disable_monitor()
        for s in (gone, pub, sub):
            s.close(0)
        ctx.term()
        proxy.stop()


def test_a_node_reconnects_to_a_stopping_proxy_only_after_the_interval():
    # A manager's central proxy closes the connections of one socket (here
    # `front`, a real XSUB) while the listener of the other is still open
    # for a moment (`back`: a TCP listener that never answers ZeroMQ's
    # greeting, closed right after).  A node that remade its other
    # connection at once was accepted and then reset, and reported a failed
    # handshake (ECONNRESET), which the scripts print as a warning.
    ctx = zmq.Context()
    front = ctx.socket(zmq.XSUB)
    front.setsockopt(zmq.LINGER, 0)
    front_port = front.bind_to_random_port("tcp://127.0.0.1")
    back = socket.create_server(("127.0.0.1", 0))
    back_endpoint = f"tcp://127.0.0.1:{back.getsockname()[1]}"
    opts = ZeroMQOptions(
        connect_xpub_endpoint=f"tcp://127.0.0.1:{front_port}",
        connect_xsub_endpoint=back_endpoint,
        linger_ms=0,
    )
    node = ZeroMQBackend("node", lambda msg: None, opts)
    events: list[tuple[int, int, str]] = []
    seen = threading.Condition()

    def on_event(number: int, value: int, address: str) -> None:
        with seen:
            events.append((number, value, address))
            seen.notify_all()

    def wait_for(number: int, address: str, after: int = 0) -> bool:
        with seen:
            return seen.wait_for(
                lambda: any(e[0] == number and e[2] == address for e in events[after:]), 10
            )

    node.socket_event = on_event
    aloop = asyncio.new_event_loop()
    assert node.init()
    node.start_io(aloop)
    thread = threading.Thread(target=aloop.run_forever, daemon=True)
    thread.start()
    accepted = []
    try:
        back.settimeout(10)
        accepted.append(back.accept()[0])  # the node's XSUB, mid-handshake
        assert wait_for(zmq.EVENT_HANDSHAKE_SUCCEEDED, opts.connect_xpub_endpoint)
        mark = len(events)
        front.close(0)
        assert wait_for(zmq.EVENT_DISCONNECTED, opts.connect_xpub_endpoint, mark)
        select.select([back], [], [], 0.03)  # an immediate reconnect lands here
        back.close()  # resets what it has not accepted
        for conn in accepted:
            conn.close()
        # The remade connection is refused (and retried) instead.
        assert wait_for(zmq.EVENT_CONNECT_RETRIED, back_endpoint, mark)
        failed = [e for e in events if e[0] == zmq.EVENT_HANDSHAKE_FAILED_NO_DETAIL]
        assert failed == []
    finally:
        aloop.call_soon_threadsafe(aloop.stop)
        thread.join(10)
        node.terminate()
        aloop.close()
        back.close()
        ctx.term()


def test_the_peer_watch_follows_connections_and_spares_live_ones():
    # The rule itself (unanswered retransmissions or probes) is exercised by
    # pulling a cable in test_cluster_hosts_netns.py.
    server = socket.create_server(("127.0.0.1", 0))
    client = socket.create_connection(server.getsockname())
    accepted = server.accept()[0]
    watch = PeerWatch()
    try:
        watch.event(zmq.EVENT_CONNECTED, client.fileno())
        watch.event(zmq.EVENT_ACCEPTED, accepted.fileno())
        watch.event(zmq.EVENT_CONNECTED, server.fileno())  # a listener has no peer
        assert len(watch) == 2
        client.sendall(b"x" * 1000)
        assert watch.check() == [] and len(watch) == 2  # the peer answers
        watch.event(zmq.EVENT_DISCONNECTED, accepted.fileno())
        assert len(watch) == 1
        # A descriptor closed and reused for another connection is let go.
        fd = client.fileno()
        client.close()
        other = socket.create_connection(server.getsockname())
        moved = other.fileno() != fd  # the number is usually reused at once
        if moved:
            os.dup2(other.fileno(), fd)
        try:
            assert watch.check() == [] and len(watch) == 0
            assert watch.shut_down == 0
        finally:
            if moved:
                os.close(fd)
            other.close()
    finally:
        accepted.close()
        server.close()
