"""CURVE encryption of the ZeroMQ transport (``zscript/cluster/curve.py``).

Real processes on free 127.0.0.1 ports (``clusterutil.LocalCluster``):
an encrypted cluster works end to end (events through the proxy, log
batches to the logger); a node with the wrong keys, or without encryption,
ends with Zeek's fatal handshake error; a plain ZeroMQ client cannot talk
to an encrypted proxy; keys both in script and in the environment are
refused as in Zeek.  Layout checks, ``zscript cluster keys`` and the
supervisor's own keys are covered too.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest
import zmq

from zscript.cluster.curve import (
    ENV_PREFIX,
    CurveError,
    CurveKeys,
    curve_toml,
    generate_keys,
    keys_environment,
    layout_curve_keys,
    load_curve_keys,
)
from zscript.cluster.layout import LayoutError, load_layout

SCRIPT = Path(__file__).parent / "cluster" / "encrypted.zs"
NODES = {"manager": "manager", "logger": "logger", "worker-1": "worker"}
HANDSHAKE_FATAL = re.compile(
    r"fatal error in \S+, line \d+: ZeroMQ: Handshake for socket tcp://127\.0\.0\.1:(\d+) "
    r"failed: event=0x(2000|4000) value=\d+"
)


def keys_lines(keys: CurveKeys) -> list[str]:
    return ["encryption = true", *curve_toml(keys).splitlines()]


def zscript(*args: str, env: dict | None = None, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "zscript", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=60,
    )


# ------------------------------------------------------------ end to end


def test_encrypted_cluster_carries_events_and_logs(local_cluster):
    keys = generate_keys()
    c = local_cluster(NODES, cluster_lines=keys_lines(keys))
    c.start_all([SCRIPT])
    c.wait_for("worker-1", "pong for worker-1")
    c.wait_for("manager", "ping from worker-1")
    c.wait_for("worker-1", "wrote 20 rows")
    log = c.dir / "enc.log"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        rows = (
            [ln for ln in log.read_text().splitlines() if ln.startswith("worker-1\t")]
            if (log.exists())
            else []
        )
        if len(rows) == 20:
            break
        time.sleep(0.1)
    assert sorted(int(r.split("\t")[1]) for r in rows) == list(range(20))
    assert "Handshake" not in c.output("worker-1") + c.output("manager")


@pytest.mark.parametrize("variant", ["wrong client keys", "no encryption"])
def test_node_with_other_keys_ends_with_handshake_error(local_cluster, variant):
    keys = generate_keys()
    c = local_cluster(
        {"manager": "manager", "worker-1": "worker"},
        split_stderr=True,
        cluster_lines=keys_lines(keys),
    )
    if variant == "wrong client keys":
        other = generate_keys()
        worker_keys = CurveKeys(
            keys.server_publickey,
            keys.server_secretkey,
            other.client_publickey,
            other.client_secretkey,
        )
        lines = keys_lines(worker_keys)
    else:
        lines = []
    worker_layout = c.write_layout(c.dir / "worker.toml", cluster_lines=lines)
    c.start("manager", [SCRIPT])
    c.start("worker-1", [SCRIPT], layout=worker_layout)
    assert c.wait_exit("worker-1") == 1
    err = c.output("worker-1", stream="err")
    m = HANDSHAKE_FATAL.search(err)
    assert m, err
    assert int(m.group(1)) in (c.xpub_port, c.xsub_port, *c.log_ports.values())
    assert "node_up" not in c.output("worker-1")
    assert c.running("manager")  # the server side only refuses the connection
    assert "node_up" not in c.output("manager")


def test_plain_zeromq_client_cannot_subscribe_to_an_encrypted_proxy(local_cluster):
    keys = generate_keys()
    c = local_cluster({"manager": "manager"}, cluster_lines=keys_lines(keys))
    c.start("manager", [SCRIPT])
    ctx = zmq.Context()
    sub = ctx.socket(zmq.XSUB)
    mon = sub.get_monitor_socket(
        zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL | zmq.EVENT_HANDSHAKE_SUCCEEDED
    )
    try:
        sub.connect(f"tcp://127.0.0.1:{c.xpub_port}")
        sub.send(b"\x01")  # subscribe to everything
        assert mon.poll(20_000), "no handshake outcome"
        from zmq.utils.monitor import parse_monitor_message

        event = parse_monitor_message(mon.recv_multipart())
        assert event["event"] == zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL
    finally:
        sub.disable_monitor()
        mon.close(0)
        sub.close(0)
        ctx.term()


def test_keys_in_script_and_environment_are_fatal(local_cluster, tmp_path):
    """The error is the only message: as in Zeek, unused-code warnings come
    after the backend started (InitPostScript), so not at all here."""
    keys = generate_keys()
    unused = tmp_path / "unused.zs"
    unused.write_text("global never_raised: event();\nevent never_raised() { }\n")
    c = local_cluster({"manager": "manager"}, split_stderr=True, cluster_lines=keys_lines(keys))
    c.start("manager", [SCRIPT, unused], env=keys_environment(generate_keys()))
    assert c.wait_exit("manager") == 1
    assert c.output("manager", stream="err").endswith(
        "fatal error: ZeroMQ CURVE configured via script variable redefinitions and "
        "environment variables at the same time.\n"
    )
    assert "never_raised" not in c.output("manager", stream="err")


def test_keys_from_the_environment_only(local_cluster):
    keys = generate_keys()
    c = local_cluster(
        {"manager": "manager", "worker-1": "worker"}, cluster_lines=["encryption = true"]
    )
    env = keys_environment(keys)
    c.start("manager", [SCRIPT], env=env)
    c.start("worker-1", [SCRIPT], env=env)
    c.wait_for("worker-1", "pong for worker-1")


def test_encryption_without_keys_is_a_clear_error(tmp_path):
    layout = tmp_path / "l.toml"
    layout.write_text(
        '[cluster]\nencryption = true\n\n[nodes.manager]\ntype = "manager"\nport = 5557\n'
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(ENV_PREFIX)}
    r = zscript("run", "manager", "--layout", str(layout), "-e", "print 1;", env=env)
    assert r.returncode == 1
    assert "encryption is on but there are no CURVE keys" in r.stderr
    assert "zscript cluster keys" in r.stderr


# ---------------------------------------------------------------- units


def test_layout_keys_are_checked(tmp_path):
    keys = generate_keys()
    table = tomllib.loads("\n".join(keys_lines(keys)))
    on, got = layout_curve_keys(table)
    assert on and got == keys
    assert layout_curve_keys({"encryption": True}) == (True, None)
    assert layout_curve_keys({}) == (False, None)
    partial = dict(table)
    del partial["curve_client_secretkey"]
    with pytest.raises(ValueError, match="missing: curve_client_secretkey"):
        layout_curve_keys(partial)
    off = dict(table, encryption=False)
    with pytest.raises(ValueError, match="encryption is off"):
        layout_curve_keys(off)
    bad = dict(table, curve_server_publickey="short")
    with pytest.raises(ValueError, match="curve_server_publickey: not a 40-character Z85 key"):
        layout_curve_keys(bad)
    with pytest.raises(ValueError, match="must be true or false"):
        layout_curve_keys({"encryption": "yes"})
    path = tmp_path / "bad.toml"
    path.write_text('[cluster]\nencryption = 1\n\n[nodes.m]\ntype = "manager"\nport = 1\n')
    with pytest.raises(LayoutError, match=r"bad.toml \[cluster\] encryption: must be true"):
        load_layout(path)


def test_layout_round_trip_and_config_script(tmp_path):
    keys = generate_keys()
    path = tmp_path / "l.toml"
    path.write_text(
        "[cluster]\n"
        + "\n".join(keys_lines(keys))
        + '\n\n[nodes.manager]\ntype = "manager"\nport = 5557\n'
    )
    layout = load_layout(path)
    assert layout.encryption and layout.curve == keys
    again = tmp_path / "again.toml"
    again.write_text(layout.toml())
    assert load_layout(again).curve == keys
    script = layout.config_script()
    assert (
        f'redef Cluster::Backend::ZeroMQ::curve_server_publickey = "{keys.server_publickey}";'
        in (script)
    )


def test_environment_wins_only_without_script_keys():
    script = generate_keys()
    env = keys_environment(generate_keys())
    assert load_curve_keys(CurveKeys(), env) != CurveKeys()
    assert load_curve_keys(script, {}) == script
    with pytest.raises(CurveError, match="at the same time"):
        load_curve_keys(script, env)


def test_cluster_keys_command():
    r = zscript("cluster", "keys")
    assert r.returncode == 0, r.stderr
    on, keys = layout_curve_keys(tomllib.loads(r.stdout))
    assert on and keys.client_enabled and keys.server_enabled
    assert len({keys.server_publickey, keys.client_publickey}) == 2
    r2 = zscript("cluster", "keys", "--env")
    lines = r2.stdout.splitlines()
    assert len(lines) == 4
    for ln in lines:
        assert re.fullmatch(r"export ZEEK_CLUSTER_BACKEND_ZEROMQ_CURVE_[A-Z_]+='[^'\s]{40}'", ln)
    assert r2.stdout != r.stdout


def test_supervisor_makes_keys_for_an_encrypted_layout_without_them(tmp_path):
    from zscript.cluster.supervisor import Supervisor

    path = tmp_path / "l.toml"
    path.write_text('[cluster]\nencryption = true\n\n[nodes.manager]\ntype = "manager"\nport = 1\n')
    sup = Supervisor(tmp_path / "run", load_layout(path), path, [])
    keys = CurveKeys(**{k.removeprefix(ENV_PREFIX).lower(): v for k, v in sup.curve_env.items()})
    assert keys.client_enabled and keys.server_enabled
