"""Helpers for the WebSocket tests (``test_websocket.py``, ``test_supervisor.py``).

:func:`self_signed_cert` makes a certificate for 127.0.0.1 at test time
(with the ``cryptography`` package if it is installed, else the ``openssl``
command; the test is skipped, saying why, when neither is there).
:func:`run_zeekpy` runs ``tests/websocket/zeekpy_client.py``, the unmodified
zeekpy client from PyPI, in a subprocess with ``TZ=UTC`` and returns what it
printed (one JSON object).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

__all__ = ["ZEEKPY_CLIENT", "run_zeekpy", "self_signed_cert"]

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
