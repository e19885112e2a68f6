"""The options of ``Cluster::listen_websocket``, read from the script's record.

:func:`options_from_record` turns a ``Cluster::WebSocketServerOptions``
value into :class:`ServerOptions` with Zeek's checks and errors: TLS needs
both ``cert_file`` and ``key_file`` ("Invalid tls_options: No key_file
field"); ``ping_interval`` counts whole seconds, zero or less disabling
pings.  The zscript extensions must make sense: ``auth_token`` and the
keys of ``auth_tokens`` not empty, ``max_message_size`` and
``max_outgoing_queue_size`` positive (a bounded server is the point of
them).  Each token comes with the :class:`~..access.ClientAccess` of its
clients: ``auth_token`` with full access, those of ``auth_tokens`` with
their ``Cluster::WebSocketAccess``.  Options compare by value: listening again
with equal options is not an error.

Kept apart from the server so that a process which never listens does not
import the WebSocket library.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from ..access import FULL_ACCESS, ClientAccess

__all__ = ["OptionsError", "ServerOptions", "TLSOptions", "options_from_record"]


@dataclass(frozen=True)
class TLSOptions:
    """``Cluster::WebSocketTLSOptions`` with both files set (TLS on).  Both
    empty is TLS without a certificate: encryption without authentication,
    possible with anonymous ciphers only (as with Zeek's, ``ciphers`` must
    name some, e.g. ``AECDH-AES256-SHA@SECLEVEL=0``), so at most TLS 1.2."""

    cert_file: str
    key_file: str
    enable_peer_verification: bool = False
    ca_file: str = ""
    ciphers: str = ""

    def context(self, failed=None):
        """The server-side ``ssl.SSLContext``.

        As Zeek's server, which reads the files for each connection, files
        that cannot be read do not stop the server: each handshake tries them
        again (until they load) and fails meanwhile, after calling
        ``failed(exception)``."""
        import ssl

        try:
            return self._load()
        except (OSError, ssl.SSLError):
            pass
        loaded: list = []

        def at_handshake(sslobj, _server_name, _ctx):
            if not loaded:
                try:
                    loaded.append(self._load())
                except (OSError, ssl.SSLError) as e:
                    if failed is not None:
                        failed(e)
                    return ssl.ALERT_DESCRIPTION_INTERNAL_ERROR
            sslobj.context = loaded[0]
            return None

        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.sni_callback = at_handshake
        return ctx

    def _load(self):
        import ssl

        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        if self.cert_file or self.key_file:
            ctx.load_cert_chain(self.cert_file, self.key_file)
        else:
            ctx.maximum_version = ssl.TLSVersion.TLSv1_2  # TLS 1.3 has no anonymous ciphers
        if self.ciphers:
            ctx.set_ciphers(self.ciphers)
        if self.enable_peer_verification:
            ctx.verify_mode = ssl.CERT_REQUIRED
            if self.ca_file:
                ctx.load_verify_locations(self.ca_file)
            else:
                ctx.load_default_certs(ssl.Purpose.CLIENT_AUTH)
        return ctx


@dataclass(frozen=True)
class ServerOptions:
    """``Cluster::WebSocketServerOptions``, checked (see :mod:`.subsystem`)."""

    listen_addr: str
    listen_port: int
    max_event_queue_size: int = 32
    #: Whole seconds; 0 (or less) disables pings.
    ping_interval: int = 5
    tls: TLSOptions | None = None
    auth_token: bytes | None = None
    max_message_size: int = 1 << 20
    max_outgoing_queue_size: int = 1000
    #: ``(token, access)`` of every token clients may present (empty: none needed).
    tokens: tuple[tuple[bytes, ClientAccess], ...] = ()

    def where(self) -> str:
        return f"{self.listen_addr}:{self.listen_port}"


class OptionsError(ValueError):
    """Options ``Cluster::listen_websocket`` refuses (the message is Zeek's where it has one)."""


def _field(rec, name: str, default=None):
    try:
        return getattr(rec, "f_" + name)
    except AttributeError:
        return default


def _path(s: str) -> str:
    # zscript strings hold bytes; file names are bytes on POSIX.
    return os.fsdecode(s.encode("latin-1", "replace"))


def options_from_record(rec) -> ServerOptions:
    """The :class:`ServerOptions` of a ``Cluster::WebSocketServerOptions`` value."""
    tls_rec = _field(rec, "tls_options")
    tls = None
    if tls_rec is not None:
        cert, key = _field(tls_rec, "cert_file"), _field(tls_rec, "key_file")
        if cert is not None and key is None:
            raise OptionsError("Invalid tls_options: No key_file field")
        if key is not None and cert is None:
            raise OptionsError("Invalid tls_options: No cert_file field")
        if cert is not None:
            tls = TLSOptions(
                _path(cert),
                _path(key),
                bool(_field(tls_rec, "enable_peer_verification", False)),
                _path(_field(tls_rec, "ca_file", "")),
                _field(tls_rec, "ciphers", ""),
            )
    addr = _field(rec, "listen_addr")
    if addr is None:
        raise OptionsError("missing listen_addr field")
    port = _field(rec, "listen_port")
    ping = float(_field(rec, "ping_interval", 5.0))
    token = _field(rec, "auth_token")
    if token is not None and token == "":
        raise OptionsError("auth_token must not be empty")
    tokens = [] if token is None else [(token.encode("latin-1", "replace"), FULL_ACCESS)]
    for key, acc in (_field(rec, "auth_tokens") or {}).items():
        if key == "":
            raise OptionsError("auth_tokens: a token must not be empty")
        tokens.append((key.encode("latin-1", "replace"), _access(acc)))
    max_message = int(_field(rec, "max_message_size", 1 << 20))
    max_out = int(_field(rec, "max_outgoing_queue_size", 1000))
    if max_message < 1 or max_out < 1:
        raise OptionsError("max_message_size and max_outgoing_queue_size must be positive")
    return ServerOptions(
        listen_addr=str(getattr(addr, "ip", addr)),
        listen_port=int(port.num),
        max_event_queue_size=int(_field(rec, "max_event_queue_size", 32)),
        ping_interval=int(ping) if ping >= 0 else -1,
        tls=tls,
        auth_token=None if token is None else token.encode("latin-1", "replace"),
        max_message_size=max_message,
        max_outgoing_queue_size=max_out,
        tokens=tuple(tokens),
    )


def _access(rec) -> ClientAccess:
    """The :class:`ClientAccess` of a ``Cluster::WebSocketAccess`` value."""

    def names(field: str):
        v = _field(rec, field)
        return None if v is None else [_text(x) for x in v]

    return ClientAccess(names("subscribe_topics"), names("publish_topics"), names("publish_events"))


def _text(s: str) -> str:
    # A zscript string (one byte per character) as the JSON text clients send.
    return s.encode("latin-1", "replace").decode("utf-8", "surrogateescape")
