"""Helpers for the WebSocket tests (``test_websocket.py``, ``test_supervisor.py``,
``adversarial/test_network.py``).

:func:`self_signed_cert` makes a certificate for 127.0.0.1 at test time
(with the ``cryptography`` package if it is installed, else the ``openssl``
command; the test is skipped, saying why, when neither is there).
:func:`run_zeekpy` runs ``tests/websocket/zeekpy_client.py``, the unmodified
zeekpy client from PyPI, in a subprocess with ``TZ=UTC`` and returns what it
printed (one JSON object).  :func:`raw_handshake`, :func:`send_text_frame`
and :func:`http_status` speak the protocol by hand, for clients that
misbehave.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import struct
import subprocess
import sys
from pathlib import Path

import pytest

__all__ = [
    "ZEEKPY_CLIENT",
    "http_status",
    "raw_handshake",
    "run_zeekpy",
    "self_signed_cert",
    "send_text_frame",
]

ZEEKPY_CLIENT = Path(__file__).parent / "websocket" / "zeekpy_client.py"


def self_signed_cert(directory: Path) -> tuple[Path, Path]:
    """``(cert, key)``: PEM files of a self-signed certificate for 127.0.0.1 and localhost."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    try:
        import cryptography  # noqa: F401
    except ImportError:
        openssl = shutil.which("openssl")
        if openssl is None:
            pytest.skip("needs the cryptography package or the openssl command to make a cert")
        subprocess.run(
            [openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"]
            + ["-nodes", "-days", "2", "-keyout", str(key), "-out", str(cert)]
            + ["-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
            check=True,
            capture_output=True,
            timeout=60,
        )
        return cert, key
    return _cert_with_cryptography(cert, key)


def _cert_with_cryptography(cert: Path, key: Path) -> tuple[Path, Path]:
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    k = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    crt = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(k.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .sign(k, hashes.SHA256())
    )
    key.write_bytes(
        k.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    cert.write_bytes(crt.public_bytes(serialization.Encoding.PEM))
    return cert, key


def run_zeekpy(url: str, *, env: dict | None = None, timeout: float = 60) -> dict:
    """Run the zeekpy client against ``url``; the JSON object it printed.

    :param env: extra environment (e.g. ``SSL_CERT_FILE`` for a wss URL).
    :raises AssertionError: the client failed (its stderr is in the message).
    """
    full = dict(os.environ, TZ="UTC", **(env or {}))
    p = subprocess.run(
        [sys.executable, str(ZEEKPY_CLIENT), url],
        env=full,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert p.returncode == 0, f"zeekpy client failed ({p.returncode}):\n{p.stderr}"
    return json.loads(p.stdout.strip().splitlines()[-1])


# ------------------------------------------------ raw WebSocket clients


def raw_handshake(port: int, extra: bytes = b"", *, timeout: float = 20.0) -> socket.socket:
    """A TCP connection that has sent a WebSocket upgrade request (``extra``: more headers)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    sock.sendall(
        b"GET /v1/messages/json HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
        b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        b"Sec-WebSocket-Version: 13\r\n" + extra + b"\r\n"
    )
    return sock


def send_text_frame(sock: socket.socket, text: str) -> None:
    """One masked text frame, as a client sends it (payloads under 64 KiB)."""
    data = text.encode()
    mask = os.urandom(4)
    n = len(data)
    head = bytes([0x81, 0x80 | n]) if n < 126 else bytes([0x81, 0xFE]) + struct.pack("!H", n)
    sock.sendall(head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))


def http_status(sock: socket.socket) -> int:
    head = b""
    while b"\r\n" not in head:
        chunk = sock.recv(4096)
        if not chunk:
            break
        head += chunk
    return int(head.split(b" ", 2)[1])
