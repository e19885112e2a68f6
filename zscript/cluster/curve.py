"""CURVE encryption of the ZeroMQ transport (Zeek's ``CurveConfig``).

Zeek's ZeroMQ backend (``src/cluster/backend/zeromq/ZeroMQ.cc``,
``ZeroMQ-ZAP.cc``) encrypts every connection with ZeroMQ's CURVE mechanism
when keys are configured.  There is one key pair for the servers and one
for the clients, shared by every node:

* the *servers* are the sockets that listen: the central proxy's XPUB and
  XSUB, and the log PULL socket of each node that writes logs.  They need
  the server's secret key, and admit only clients that present the
  configured client public key (a ZAP handler in the server's ZeroMQ
  context checks it; any other key is refused);
* every other socket (a node's XPUB and XSUB, its log PUSH) is a *client*:
  it needs the server's public key and the client key pair.

Client encryption is on when the server public key and both client keys
are set, server encryption when the server secret key and the client public
key are set.  Keys are 40-character Z85 strings
(``Cluster::Backend::ZeroMQ::generate_keypair()``, ``zscript cluster
keys``).  They come from the script options
``Cluster::Backend::ZeroMQ::curve_{server,client}_{public,secret}key`` or
from the environment variables
``ZEEK_CLUSTER_BACKEND_ZEROMQ_CURVE_{SERVER,CLIENT}_{PUBLIC,SECRET}KEY``;
setting some of both is a fatal error, as in Zeek.  A process whose peer
disagrees (wrong keys, or encryption on one side only) sees a failed
handshake, which ZeroMQ reports as a socket monitoring event; the backend
script turns it into a fatal error (``policy/frameworks/cluster/backend/zeromq``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import zmq

__all__ = [
    "ENV_PREFIX",
    "CurveError",
    "CurveKeys",
    "curve_config_script",
    "curve_toml",
    "environment_keys",
    "generate_keypair",
    "generate_keys",
    "keys_environment",
    "layout_curve_keys",
    "load_curve_keys",
    "start_authenticator",
]

#: Prefix of the environment variables holding the keys.
ENV_PREFIX = "ZEEK_CLUSTER_BACKEND_ZEROMQ_CURVE_"
#: Length of a Z85-encoded CURVE key.
KEY_LENGTH = 40


class CurveError(Exception):
    """Keys that cannot be used (the message is Zeek's)."""


@dataclass(frozen=True)
class CurveKeys:
    """The four keys; empty strings where not configured."""

    server_publickey: str = ""
    server_secretkey: str = ""
    client_publickey: str = ""
    client_secretkey: str = ""

    @property
    def configured(self) -> bool:
        return any(getattr(self, f.name) for f in fields(self))

    @property
    def client_enabled(self) -> bool:
        return bool(self.server_publickey and self.client_secretkey and self.client_publickey)

    @property
    def server_enabled(self) -> bool:
        return bool(self.server_secretkey and self.client_publickey)

    def configure_client(self, sock: zmq.Socket) -> None:
        """Make ``sock`` a CURVE client (if client encryption is on)."""
        import zmq  # only where sockets are

        if self.client_enabled:
            _set_keys(
                sock,
                (zmq.CURVE_SERVERKEY, self.server_publickey, "server public"),
                (zmq.CURVE_SECRETKEY, self.client_secretkey, "client secret"),
                (zmq.CURVE_PUBLICKEY, self.client_publickey, "client public"),
            )

    def configure_server(self, sock: zmq.Socket) -> None:
        """Make ``sock`` a CURVE server (if server encryption is on)."""
        import zmq  # only where sockets are

        if self.server_enabled:
            sock.setsockopt(zmq.CURVE_SERVER, 1)
            _set_keys(sock, (zmq.CURVE_SECRETKEY, self.server_secretkey, "server secret"))


def _set_keys(sock: zmq.Socket, *keys: tuple[int, str, str]) -> None:
    import zmq  # only where sockets are

    for opt, key, what in keys:
        try:
            sock.setsockopt(opt, key.encode("ascii", "replace"))
        except zmq.ZMQError:
            raise CurveError(
                f"ZeroMQ: the CURVE {what} key is not a {KEY_LENGTH}-character Z85 key"
            ) from None


def load_curve_keys(script: CurveKeys, environ: Mapping[str, str] = os.environ) -> CurveKeys:
    """The keys to use: from the environment if it enables encryption, else
    the script's.

    :raises CurveError: keys in both places (Zeek refuses to pick one).
    """
    env = environment_keys(environ)
    if script.configured and env.configured:
        raise CurveError(
            "ZeroMQ CURVE configured via script variable redefinitions and environment "
            "variables at the same time."
        )
    if env.client_enabled or env.server_enabled:
        return env
    return script


class _AllowOne:
    """The ZAP credentials check: only the configured client public key."""

    def __init__(self, publickey: bytes):
        self.publickey = publickey

    def callback(self, domain: str, key: bytes) -> bool:
        return key == self.publickey


def start_authenticator(ctx: zmq.Context, keys: CurveKeys):
    """Start the ZAP handler of ``ctx`` (for its CURVE server sockets), or
    return None when server encryption is off.  ``stop()`` it before the
    context is terminated.

    :raises CurveError: the client public key has the wrong size.
    """
    if not keys.server_enabled:
        return None
    if len(keys.client_publickey) != KEY_LENGTH:
        raise CurveError(
            f"ZeroMQ/ZAP: client public key has unexpected size {len(keys.client_publickey)} "
            f"'{keys.client_publickey}'"
        )
    from zmq.auth.thread import ThreadAuthenticator

    auth = ThreadAuthenticator(ctx)
    auth.start()
    auth.configure_curve_callback("*", _AllowOne(keys.client_publickey.encode("ascii")))
    return auth


def generate_keypair() -> tuple[str, str]:
    """A new CURVE key pair ``(public, secret)``, Z85-encoded."""
    import zmq  # only where sockets are

    public, secret = zmq.curve_keypair()
    return public.decode("ascii"), secret.decode("ascii")


# ------------------------------------------------------------- layouts

_Z85 = re.compile(r"[0-9a-zA-Z.\-:+=^!/*?&<>()\[\]{}@%$#]{40}")
_LAYOUT_KEYS = tuple(f"curve_{f.name}" for f in fields(CurveKeys))


def layout_curve_keys(cluster: dict, where: str = "[cluster]") -> tuple[bool, CurveKeys | None]:
    """The encryption settings of a layout's ``[cluster]`` table:
    ``(encryption on, the keys written in the layout or None)``.

    ``encryption = true`` switches CURVE on for every connection.  The keys
    are the four ``curve_*`` entries (``zscript cluster keys`` prints them),
    or, without them, the ``ZEEK_CLUSTER_BACKEND_ZEROMQ_CURVE_*`` variables
    in each node's environment (``zscript cluster start`` makes a fresh set
    for the nodes it starts).

    :raises ValueError: a setting that cannot be used (the message says why).
    """
    on = cluster.get("encryption", False)
    if not isinstance(on, bool):
        raise ValueError(f"{where} encryption: must be true or false, not {on!r}")
    given = {k: cluster[k] for k in _LAYOUT_KEYS if k in cluster}
    if not given:
        return on, None
    if not on:
        raise ValueError(f"{where}: CURVE keys are set but encryption is off (encryption = true)")
    missing = [k for k in _LAYOUT_KEYS if k not in given]
    if missing:
        raise ValueError(
            f"{where}: encryption needs all four CURVE keys; missing: {', '.join(missing)}"
        )
    for k, v in given.items():
        if not isinstance(v, str) or not _Z85.fullmatch(v):
            raise ValueError(
                f"{where} {k}: not a 40-character Z85 key (zscript cluster keys makes them)"
            )
    return on, CurveKeys(**{k.removeprefix("curve_"): v for k, v in given.items()})


def environment_keys(environ: Mapping[str, str] = os.environ) -> CurveKeys:
    """The keys set in the ``ZEEK_CLUSTER_BACKEND_ZEROMQ_CURVE_*`` variables."""
    return CurveKeys(
        **{f.name: environ.get(ENV_PREFIX + f.name.upper(), "") for f in fields(CurveKeys)}
    )


def keys_environment(keys: CurveKeys) -> dict[str, str]:
    """``keys`` as the environment variables a node reads them from."""
    return {ENV_PREFIX + f.name.upper(): getattr(keys, f.name) for f in fields(CurveKeys)}


def generate_keys() -> CurveKeys:
    """A new pair of key pairs: one for the servers, one for the clients."""
    server_public, server_secret = generate_keypair()
    client_public, client_secret = generate_keypair()
    return CurveKeys(server_public, server_secret, client_public, client_secret)


def curve_config_script(keys: CurveKeys) -> str:
    """The script setting ``keys`` (zeekctl writes the same into ``zeekctl-config.zeek``)."""
    z = "Cluster::Backend::ZeroMQ::curve_"
    return "".join(f'redef {z}{f.name} = "{getattr(keys, f.name)}";\n' for f in fields(CurveKeys))


def curve_toml(keys: CurveKeys) -> str:
    """The layout lines holding ``keys`` (for ``[cluster]``)."""
    return "".join(f'curve_{f.name} = "{getattr(keys, f.name)}"\n' for f in fields(CurveKeys))
