"""The ZeroMQ backend's sockets survive a slow receiver whose peer goes away.

libzmq 4.3 aborts the whole process (``Assertion failed: !_io_error``) when a
ZMTP heartbeat timer fires on a connection that closed while the socket's
input was stopped by its receive high-water mark: a node that falls behind
and sees a peer stop.  Zeek's ``cluster/zeromq/overload-drop`` test hit it
on the manager at shutdown.  The scenario is reproduced here with sockets
tuned as the backend tunes them, in a child process (an abort would take
pytest with it).
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import zmq

from zscript.cluster.zeromq import tune_socket

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


def test_cluster_sockets_leave_dead_peers_to_the_kernel():
    # No ZMTP heartbeats (a receiver that falls behind stops answering them);
    # TCP keepalive and TCP_USER_TIMEOUT find a host that is gone.  (That
    # this notices a pulled cable is tested in test_cluster_hosts_netns.py.)
    ctx = zmq.Context()
    for kind in (zmq.XPUB, zmq.XSUB):
        s = tune_socket(ctx.socket(kind), 0, False)
        try:
            assert s.getsockopt(zmq.HEARTBEAT_IVL) == 0
            assert s.getsockopt(zmq.TCP_KEEPALIVE) == 1
            assert s.getsockopt(zmq.TCP_MAXRT) > 0
        finally:
            s.close(0)
    ctx.term()
