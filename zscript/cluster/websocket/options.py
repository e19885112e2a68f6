"""The options of ``Cluster::listen_websocket``, read from the script's record.

:func:`options_from_record` turns a ``Cluster::WebSocketServerOptions``
value into :class:`ServerOptions` with Zeek's checks and errors: TLS needs
both ``cert_file`` and ``key_file`` ("Invalid tls_options: No key_file
field"); ``ping_interval`` counts whole seconds, zero or less disabling
pings.  The zscript extensions must make sense: ``auth_token`` not empty,
``max_message_size`` and ``max_outgoing_queue_size`` positive (a bounded
server is the point of them).  Options compare by value: listening again
with equal options is not an error.

Kept apart from the server so that a process which never listens does not
import the WebSocket library.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

__all__ = ["OptionsError", "ServerOptions", "TLSOptions", "options_from_record"]


@dataclass(frozen=True)
class TLSOptions:
    """``Cluster::WebSocketTLSOptions`` with both files set (TLS on)."""

    cert_file: str
    key_file: str
    enable_peer_verification: bool = False
    ca_file: str = ""
    ciphers: str = ""

    def context(self):
        """The server-side ``ssl.SSLContext``; raises ``OSError``/``ssl.SSLError`` for bad files."""
        import ssl

        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(self.cert_file, self.key_file)
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
    )
