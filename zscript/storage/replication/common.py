"""What both sides of a replicated store share: limits, and how keys,
values and messages look on the wire and on disk (the protocol is
:mod:`zscript.storage.replication`'s docstring)."""

from __future__ import annotations

import json
from typing import Protocol

__all__ = [
    "APPLIED",
    "BATCH_MAX",
    "FIRST_RESYNC",
    "MAX_UNCONFIRMED",
    "PENDING_MAX",
    "RESYNC_INTERVAL",
    "StoreSink",
    "as_bytes",
    "encode",
    "last_w",
    "new_id",
    "same",
    "shown",
]

#: Network-time seconds between snapshot requests of a clone that has none.
RESYNC_INTERVAL = 10.0
#: The first retry after the master became reachable (then doubling up to
#: :data:`RESYNC_INTERVAL`): its reply is lost when the master does not know
#: the clone's subscription yet.
FIRST_RESYNC = 0.5
#: Writes a clone keeps waiting for the master's confirmation; beyond, the
#: oldest are given up (and counted in ``lost_writes``).
MAX_UNCONFIRMED = 1_000_000
#: Messages of one topic sent as one batch at most (a JSON array), and
#: writes of a table in one ``puts`` message.
BATCH_MAX = 2000
#: Length of a clone's ``ReplicatedStore.pending`` (two entries per write)
#: at which the table has its writes sent at once: a long loop of writes
#: reaches the master as it runs, one message per BATCH_MAX writes.
PENDING_MAX = 2 * BATCH_MAX
#: Name of the persisted "last write applied" of each clone (meta entries).
APPLIED = b"applied:"


def new_id() -> str:
    import uuid  # here: a process without replicated stores never needs it

    return uuid.uuid4().hex


class StoreSink(Protocol):
    """Receives changes the store makes to its data (an ``&backend`` table)."""

    def store_changed(self, kind: str, key, old, new) -> None:
        """``kind`` is ``new``, ``changed``, ``removed`` or ``expired``."""


def as_bytes(wire) -> bytes:
    """A key or value as the persistent copy holds it (text; see :mod:`.codec`)."""
    return (wire if type(wire) is str else str(wire)).encode("latin-1")


def last_w(msg: dict) -> int:
    """The number of the last write in ``msg`` (a ``puts`` holds several)."""
    if msg["op"] == "puts":
        return msg["w"] + len(msg["kv"]) // 2 - 1
    return msg["w"]


def encode(body) -> bytes:
    """A message or batch as JSON (orjson; the json module for what it refuses)."""
    import orjson

    try:
        return orjson.dumps(body)
    except (TypeError, orjson.JSONEncodeError):
        return json.dumps(body, separators=(",", ":")).encode()


def same(a, b) -> bool:
    if a is b:
        return True
    try:
        return bool(a == b)
    except Exception:  # noqa: BLE001 - values without equality
        return False


def shown(text: str) -> str:
    """A stored key or value as Broker prints it in messages (a string without quotes)."""
    try:
        v = json.loads(text)
    except ValueError:
        return text
    return v if isinstance(v, str) else text
