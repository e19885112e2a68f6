"""TLS for Broker peerings: the ``Broker::ssl_*`` options as SSL contexts.

As Broker does (``broker::configuration``, and Zeek's Broker::Manager that
fills it from the script options):

* ``Broker::disable_ssl=T``: plain TCP.
* Otherwise every peering is TLS.  With ``Broker::ssl_certificate`` (and
  ``ssl_keyfile``, ``ssl_passphrase`` for an encrypted key) and a CA
  (``ssl_cafile`` and/or ``ssl_capath``), both sides present certificates
  and each verifies the other's against the CA; host names are not checked
  (peers are addressed by IP).  Without them the session is encrypted but
  *anonymous* (ephemeral ECDH without certificates), so it does not
  authenticate the peer.

Both sides of a peering must agree: an anonymous side and an authenticated
one share no cipher, a plain side and a TLS one no protocol; the handshake
fails and the side that connected reports the peer unavailable.

:func:`contexts` returns ``(server context, client context)`` or None for
plain TCP; a file that cannot be read is a :class:`TLSConfigError`.
"""

from __future__ import annotations

import ssl

__all__ = ["TLSConfigError", "contexts", "refusing"]

#: Ephemeral ECDH without certificates (needs OpenSSL's security level 0).
_ANONYMOUS_CIPHERS = "aNULL:!eNULL:@SECLEVEL=0"


class TLSConfigError(Exception):
    """A certificate, key or CA file that cannot be used."""


def contexts(
    *,
    disable: bool,
    cafile: str = "",
    capath: str = "",
    certificate: str = "",
    keyfile: str = "",
    passphrase: str = "",
) -> tuple[ssl.SSLContext, ssl.SSLContext] | None:
    if disable:
        return None
    authenticated = bool(certificate or keyfile or cafile or capath)
    return (
        _context(True, authenticated, cafile, capath, certificate, keyfile, passphrase),
        _context(False, authenticated, cafile, capath, certificate, keyfile, passphrase),
    )


def _context(
    server: bool,
    authenticated: bool,
    cafile: str,
    capath: str,
    certificate: str,
    keyfile: str,
    passphrase: str,
) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER if server else ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    if not authenticated:
        ctx.verify_mode = ssl.CERT_NONE
        # Anonymous suites exist up to TLS 1.2 only.
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
        ctx.set_ciphers(_ANONYMOUS_CIPHERS)
        return ctx
    try:
        if certificate:
            ctx.load_cert_chain(certificate, keyfile or None, password=passphrase or None)
        if cafile or capath:
            ctx.load_verify_locations(cafile=cafile or None, capath=capath or None)
    except (OSError, ssl.SSLError) as e:
        raise TLSConfigError(str(e)) from None
    ctx.verify_mode = ssl.CERT_REQUIRED
    return ctx


def refusing() -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """Contexts no handshake succeeds with (they demand a certificate and
    trust no CA): for settings that cannot be used."""
    out = []
    for proto in (ssl.PROTOCOL_TLS_SERVER, ssl.PROTOCOL_TLS_CLIENT):
        ctx = ssl.SSLContext(proto)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_REQUIRED
        out.append(ctx)
    return out[0], out[1]
