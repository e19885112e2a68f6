"""A backend in the process that runs the central proxy connects to it in memory.

The manager, and the WebSocket clients a node serves, reach the proxy their
own process runs over ``inproc://`` (the proxy's context) instead of TCP;
everything else about the traffic stays the same: other processes still
connect over TCP, subscriptions are forwarded both ways, a node never
receives its own publishes, and stopping the proxy first ends the backends
that share its context (whose termination would otherwise wait for them).
"""

from __future__ import annotations

import threading
import time

import pytest
import zmq
from clusterutil import free_ports

from zscript.cluster.curve import CurveKeys
from zscript.cluster.zeromq import (
    CentralProxy,
    ZeroMQBackend,
    ZeroMQOptions,
    _same_endpoint,
    local_proxy,
    release_local,
)


def _wait(cond, what: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.005)


@pytest.fixture
def proxy():
    xsub, xpub = free_ports(2)
    p = CentralProxy(f"tcp://127.0.0.1:{xsub}", f"tcp://127.0.0.1:{xpub}")
    p.ports = (xsub, xpub)
    yield p
    release_local(p)
    p.stop()


def _backend(node_id: str, xsub: int, xpub: int, host: str = "127.0.0.1", **kw):
    opts = ZeroMQOptions(
        connect_xsub_endpoint=f"tcp://{host}:{xpub}",
        connect_xpub_endpoint=f"tcp://{host}:{xsub}",
        **kw,
    )
    b = ZeroMQBackend(node_id, lambda msg: None, opts)
    got = []
    b.deliver = lambda topic, fmt, payload: got.append((topic, fmt, payload))
    b.got = got
    return b


def test_endpoints_reach_a_local_proxy_only_on_the_same_port_and_a_local_address():
    assert _same_endpoint("tcp://127.0.0.1:5556", "tcp://127.0.0.1:5556")
    assert _same_endpoint("tcp://10.0.0.5:5556", "tcp://10.0.0.5:5556")
    assert _same_endpoint("tcp://*:5556", "tcp://localhost:5556")
    assert _same_endpoint("tcp://0.0.0.0:5556", "tcp://127.0.0.1:5556")
    assert _same_endpoint("tcp://127.0.0.1:5556", "tcp://[::1]:5556")
    assert not _same_endpoint("tcp://127.0.0.1:5556", "tcp://127.0.0.1:5557")
    # Another host's proxy on the same port, or a bind that loopback cannot reach.
    assert not _same_endpoint("tcp://*:5556", "tcp://10.0.0.5:5556")
    assert not _same_endpoint("tcp://10.0.0.5:5556", "tcp://127.0.0.1:5556")
    assert not _same_endpoint("ipc:///tmp/x", "tcp://127.0.0.1:5556")


def test_local_backends_talk_in_memory_and_remote_ones_over_tcp(proxy):
    xsub, xpub = proxy.ports
    a = _backend("a", xsub, xpub)
    b = _backend("b", xsub, xpub, host="localhost")
    a.subscribe("t.")
    b.subscribe("t.")
    assert a.init() and b.init()
    try:
        assert a._proxy is proxy and b._proxy is proxy
        assert set(proxy.local_users) == {a, b}
        # A plain pyzmq publisher in its own context: a TCP connection.
        ctx = zmq.Context()
        pub = ctx.socket(zmq.XPUB)
        pub.connect(f"tcp://127.0.0.1:{xsub}")
        try:
            _wait(lambda: pub.poll(10) and pub.recv() == b"\x01t.", "a subscription over TCP")
            _wait(lambda: (b._drain_xpub(), b"t." in b.remote_topics)[1], "a's subscription")
            assert b.publish("t.x", b"fmt", b"from b")
            pub.send_multipart([b"t.y", b"remote", b"fmt", b"from tcp"])

            def read_all():
                for be in (a, b):
                    be._read(100)
                return len(a.got) == 2 and len(b.got) == 1

            _wait(read_all, "both events")
            assert sorted(a.got) == [(b"t.x", b"fmt", b"from b"), (b"t.y", b"fmt", b"from tcp")]
            # A node never receives what it published itself.
            assert b.got == [(b"t.y", b"fmt", b"from tcp")]
        finally:
            pub.close(0)
            ctx.term()
    finally:
        a.terminate()
        b.terminate()
    assert not proxy.local_users


def test_stopping_the_proxy_first_ends_its_local_backends(proxy):
    xsub, xpub = proxy.ports
    a = _backend("a", xsub, xpub)
    assert a.init()
    release_local(proxy)
    assert not a.initialized and a.xsub is None
    # Its context ends without waiting for anything (a hang fails the test).
    stopper = threading.Thread(target=proxy.stop, daemon=True)
    stopper.start()
    stopper.join(10)
    assert not stopper.is_alive()
    # No longer in service: a new backend connects over TCP (and finds nobody).
    assert local_proxy(f"tcp://127.0.0.1:{xpub}", f"tcp://127.0.0.1:{xsub}") is None


def test_backends_with_curve_keys_stay_on_tcp(proxy):
    xsub, xpub = proxy.ports
    keys = CurveKeys(server_publickey="x" * 40, client_publickey="y" * 40, client_secretkey="")
    assert local_proxy(f"tcp://127.0.0.1:{xpub}", f"tcp://127.0.0.1:{xsub}") is proxy
    a = _backend("a", xsub, xpub, curve=keys)
    assert a.init()
    try:
        assert a._proxy is None and not proxy.local_users
    finally:
        a.terminate()
