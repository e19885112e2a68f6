"""Connecting to NATS: the one helper every NATS user of zscript shares.

The cluster backend (:mod:`zscript.cluster.nats`), the JetStream log writer
(:mod:`zscript.logs.writers.nats`) and the key-value storage backend
(:mod:`zscript.storage.nats`) connect with :func:`connect`: a ``nats-py``
client for the comma-separated server URLs of one NATS cluster, a failure
worded with the reason of the last attempt (``nats-py`` itself only says
"no servers available"), and the reconnection policy each of them wants.

``nats-py`` is imported when a connection is made (a process that uses no
NATS never imports it).  Must be awaited on the asyncio loop the client will
run on.
"""

from __future__ import annotations

__all__ = ["connect", "error_text", "server_list"]


def server_list(url: str) -> list[str]:
    """The servers of a comma-separated ``url`` (``nats://a:4222,nats://b:4222``)."""
    return [s.strip() for s in str(url).split(",") if s.strip()]


def error_text(e: BaseException) -> str:
    """A NATS error as one line (nats-py's errors keep it in ``description``)."""
    desc = getattr(e, "description", None)
    return str(desc) if desc else (str(e) or type(e).__name__)


async def connect(url: str, timeout: float, name: str, *, reconnect: bool, **callbacks):
    """A connected nats-py client for the servers of ``url``.

    The first connection tries each server twice, quickly.  With
    ``reconnect`` the client then reconnects for as long as it takes
    (to any server of the cluster, those it learns from the servers
    included), buffering what is published meanwhile; without it a lost
    connection stays lost.  ``callbacks`` are nats-py's (``disconnected_cb``,
    ``reconnected_cb``, ``error_cb``, ...) and its other connect options
    (``no_echo``, ``pending_size``, ...).

    :raises ConnectionError: with the reason of the last failed attempt.
    """
    import nats

    errors: list[BaseException] = []
    user_error = callbacks.pop("error_cb", None)

    async def on_error(e: Exception) -> None:
        errors[:] = [e]
        if user_error is not None:
            await user_error(e)

    try:
        nc = await nats.connect(
            server_list(url),
            connect_timeout=timeout,
            allow_reconnect=reconnect,
            # nats-py gives up on a server only after more than this many
            # failed attempts (0 would retry forever): two quick tries each.
            max_reconnect_attempts=1,
            reconnect_time_wait=0.1,
            name=name,
            error_cb=on_error,
            **callbacks,
        )
    except Exception as e:  # noqa: BLE001 - any failure to connect
        why = error_text(errors[-1] if errors else e)
        raise ConnectionError(f"cannot connect to NATS at {url}: {why}") from None
    if reconnect:
        # Connected once: from now on reconnect for as long as it takes.
        nc.options["max_reconnect_attempts"] = -1
    return nc
