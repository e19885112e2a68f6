"""Limits that keep a node alive and its output bounded, tested without processes.

* :class:`~zscript.engine.reporter.Reporter` rate-limits zscript's own
  messages (never the script's);
* :class:`~zscript.cluster.backend.ClusterBackend` refuses overlong topics;
* :class:`~zscript.cluster.access.ClientAccess` decides what a WebSocket
  client may publish and subscribe to.
"""

from __future__ import annotations

import io
import logging

from zscript.cluster.access import FULL_ACCESS, LOCAL_EVENTS, MAX_TOPIC, ClientAccess
from zscript.cluster.backend import ClusterBackend
from zscript.engine import reporter as reporter_mod
from zscript.engine.reporter import BURST, Reporter


def test_repeated_system_messages_are_limited_and_counted(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(reporter_mod.time, "monotonic", lambda: now[0])
    out = io.StringIO()
    r = Reporter(out)
    for _ in range(1000):
        r.warning("socket.send() raised exception.")
    r.error("something else")
    lines = out.getvalue().splitlines()
    assert lines.count("warning: socket.send() raised exception.") == BURST
    assert sum("more like it are left out" in ln for ln in lines) == 1
    assert lines[-1] == "error: something else"
    assert r.suppressed == 1000 - BURST - 1
    assert r.warnings == 1000  # every one is still counted as a warning
    # After the window, the next one is printed with the number left out.
    now[0] += reporter_mod.WINDOW
    r.warning("socket.send() raised exception.")
    assert out.getvalue().splitlines()[-1] == (
        f"warning: socket.send() raised exception. (and {1000 - BURST - 1} more like it, left out)"
    )


def test_library_log_records_go_through_the_limit():
    out = io.StringIO()
    r = Reporter(out)
    undo = r.route_library_logs(("zscript.test.lib",))
    try:
        log = logging.getLogger("zscript.test.lib")
        for _ in range(50):
            log.warning("socket.send() raised exception.")
    finally:
        undo()
    text = out.getvalue()
    assert text.count("warning: zscript.test.lib: socket.send() raised exception.") == BURST + 1
    assert r.suppressed == 50 - BURST - 1
    assert not logging.getLogger("zscript.test.lib").handlers


class _Recorder(ClusterBackend):
    def __init__(self):
        super().__init__("me", lambda msg: self.warned.append(msg))
        self.warned: list[str] = []
        self.sent: list[bytes] = []

    def _do_publish(self, topic, fmt, payload):
        self.sent.append(topic)
        return True

    def _do_subscribe(self, prefix):
        self.sent.append(b"+" + prefix)
        return True


def test_backend_refuses_overlong_topics():
    be = _Recorder()
    ok = "t" * MAX_TOPIC
    assert be.subscribe(ok) and be.publish(ok, b"f", b"p")
    long = "t" * (MAX_TOPIC + 1)
    assert not be.subscribe(long)
    assert not be.publish(long, b"f", b"p")
    assert not be.publish("\u00e9" * (MAX_TOPIC // 2 + 1), b"f", b"p")  # bytes, not characters
    assert be.sent == [b"+" + ok.encode(), ok.encode()]
    assert long not in be.subscriptions
    assert be.stats.refused_topics == 3 and be.stats.events_out == 1
    assert len(be.warned) == 1


def test_client_access():
    assert FULL_ACCESS.refuse_publish("any/topic", "Test::ping") is None
    for name in ("zeek_init", "zeek_done", "Cluster::node_up", "Cluster::hello"):
        assert FULL_ACCESS.refuse_publish("t", name) is not None
    assert "zeek_init" in LOCAL_EVENTS and "Cluster::hello" not in LOCAL_EVENTS
    acc = ClientAccess(["a/b"], ["pub/"], ["E"])
    assert acc.may_subscribe("a/b") and acc.may_subscribe("a/b/c")
    assert not acc.may_subscribe("a/") and not acc.may_subscribe("")
    assert acc.refuse_publish("pub/x", "E") is None
    assert "topic" in acc.refuse_publish("other", "E")
    assert "event 'F'" in acc.refuse_publish("pub/x", "F")
    nothing = ClientAccess([], [], [])
    assert not nothing.may_subscribe("a") and nothing.refuse_publish("a", "E") is not None
