"""TLS between Broker endpoints (``zscript/broker/tls.py``).

Certificates are made at test time with the ``openssl`` command: a CA,
two peers' certificates it signed (one key protected by a passphrase) and
a certificate of another CA.  A listener and a connector run as two real
processes on a port chosen free at run time; every process is stopped by
the test.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from clusterutil import free_ports
from test_broker import _start, wait_listening

TIMEOUT = 60

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl")

LISTENER = """
redef exit_only_after_terminate = T;
global ping: event(msg: string);
event zeek_init()
  {
  Broker::subscribe("tls/");
  Broker::listen("127.0.0.1", to_port(getenv("BROKER_PORT")));
  }
event Broker::peer_added(endpoint: Broker::EndpointInfo, msg: string) { print "peer added"; }
event ping(msg: string) { print "got", msg; terminate(); }
"""

CONNECTOR = """
redef exit_only_after_terminate = T;
global ping: event(msg: string);
event zeek_init() { Broker::peer("127.0.0.1", to_port(getenv("BROKER_PORT")), 1sec); }
event Broker::peer_added(endpoint: Broker::EndpointInfo, msg: string)
  {
  print "peer added";
  Broker::publish("tls/ping", ping, "over TLS");
  }
event Broker::peer_lost(endpoint: Broker::EndpointInfo, msg: string) { terminate(); }
event Broker::error(code: Broker::ErrorCode, msg: string)
  {
  print code, gsub(msg, /:[0-9]+,/, ":PORT,");
  terminate();
  }
"""


def _openssl(cwd: Path, *args: str) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


def _ca(d: Path, name: str) -> None:
    _openssl(d, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
             "-subj", f"/CN={name}", "-keyout", f"{name}.key", "-out", f"{name}.pem")  # fmt: skip


def _signed(d: Path, name: str, ca: str, passphrase: str = "") -> None:
    key = ["-passout", f"pass:{passphrase}"] if passphrase else ["-nodes"]
    _openssl(d, "req", "-newkey", "rsa:2048", *key, "-subj", f"/CN={name}",
             "-keyout", f"{name}.key", "-out", f"{name}.csr")  # fmt: skip
    _openssl(d, "x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.pem", "-CAkey", f"{ca}.key",
             "-CAcreateserial", "-days", "2", "-out", f"{name}.pem")  # fmt: skip


@pytest.fixture(scope="module")
def certs(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("certs")
    _ca(d, "ca")
    _ca(d, "other-ca")
    _signed(d, "listener", "ca")
    _signed(d, "connector", "ca", passphrase="open sesame")
    _signed(d, "stranger", "other-ca")
    return d


def _tls(certs: Path, name: str, ca: str = "ca", passphrase: str = "") -> str:
    return (
        f'redef Broker::ssl_cafile = "{certs / ca}.pem";\n'
        f'redef Broker::ssl_certificate = "{certs / name}.pem";\n'
        f'redef Broker::ssl_keyfile = "{certs / name}.key";\n'
        f'redef Broker::ssl_passphrase = "{passphrase}";\n'
    )


def _pair(tmp_path: Path, listener: str, connector: str) -> tuple[str, str, str]:
    """Run both; the connector ends by itself, then the listener is stopped
    if it has not ended.  (listener stdout, connector stdout, stderrs)."""
    (port,) = free_ports(1)
    procs = []
    try:
        for role, text in (("listener", listener), ("connector", connector)):
            script = tmp_path / f"{role}.zs"
            script.write_text(text)
            procs.append(_start(script, tmp_path / role, port))
            if role == "listener":
                wait_listening(port, procs[0])
        c_out, c_err = procs[1].communicate(timeout=TIMEOUT)
        try:
            l_out, l_err = procs[0].communicate(timeout=5)
        except subprocess.TimeoutExpired:
            procs[0].terminate()
            l_out, l_err = procs[0].communicate(timeout=TIMEOUT)
        return l_out, c_out, l_err + c_err
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()


def test_authenticated_peers_talk(tmp_path, certs):
    """Both sides present certificates of the same CA (the connector's key
    is protected by a passphrase): the peering comes up and carries events."""
    listener = _tls(certs, "listener") + LISTENER
    connector = _tls(certs, "connector", passphrase="open sesame") + CONNECTOR
    l_out, c_out, err = _pair(tmp_path, listener, connector)
    assert l_out.splitlines() == ["peer added", "got, over TLS"], err
    assert c_out.splitlines() == ["peer added"], err


def test_certificate_of_another_ca_is_refused(tmp_path, certs):
    listener = _tls(certs, "listener") + LISTENER
    connector = _tls(certs, "stranger", ca="other-ca") + CONNECTOR
    l_out, c_out, err = _pair(tmp_path, listener, connector)
    assert l_out == "", err
    assert c_out.splitlines() == [
        "Broker::PEER_UNAVAILABLE, (00000000-0000-0000-0000-000000000000, *127.0.0.1:PORT,"
        ' "unable to connect to remote peer")'
    ], err


def test_authenticated_and_anonymous_sides_do_not_peer(tmp_path, certs):
    """The connector presents a certificate, the listener has none (anonymous TLS)."""
    l_out, c_out, err = _pair(
        tmp_path, LISTENER, _tls(certs, "connector", passphrase="open sesame") + CONNECTOR
    )
    assert l_out == "", err
    assert c_out.startswith("Broker::PEER_UNAVAILABLE, "), err


@pytest.mark.parametrize("plain", ["listener", "connector"])
def test_plain_and_tls_sides_do_not_peer(tmp_path, plain):
    """Broker::disable_ssl on one side only: no peering, either way round."""
    off = "redef Broker::disable_ssl = T;\n"
    listener = (off if plain == "listener" else "") + LISTENER
    connector = (off if plain == "connector" else "") + CONNECTOR
    l_out, c_out, err = _pair(tmp_path, listener, connector)
    assert l_out == "", err
    assert c_out.startswith("Broker::PEER_UNAVAILABLE, "), err


def test_anonymous_tls_by_default_and_plain_when_both_disable_it(tmp_path):
    for name, prefix in (("tls", ""), ("plain", "redef Broker::disable_ssl = T;\n")):
        (tmp_path / name).mkdir()
        l_out, c_out, err = _pair(tmp_path / name, prefix + LISTENER, prefix + CONNECTOR)
        assert l_out.splitlines() == ["peer added", "got, over TLS"], err
        assert c_out.splitlines() == ["peer added"], err
