"""The frames of zscript's Broker transport (see :mod:`.endpoint`).

A frame is ``[length: u32 big-endian][kind: 1 byte][body]`` where
``length`` counts the kind byte and the body.  Kinds:

=============  ==============================================================
``HELLO``      UTF-8 JSON ``{"id": str, "port": int, "subs": [str, ...]}``:
               the sender's endpoint id, listening port (0: none) and
               subscriptions; the first frame of each side
``SUBSCRIBE``  a topic prefix (UTF-8) the sender now subscribes to
``UNSUBSCRIBE`` one it no longer subscribes to
``EVENT``      ``[topic length: u16][topic][payload]``: an event, the payload
               in the cluster's ``broker-bin-v1`` event format
``ID``         same layout: a ``publish_id`` value, as a one-argument event
               named after the identifier
``LOG``        same layout: a batch of log writes (the logging framework's
               remote batch format)
``STORE``      same layout: a message of a replicated store (the storage
               package's replication protocol)
``CLUSTER``    same layout, the payload ``[format length: u8][format][message]``:
               a message of Broker as the cluster backend (``Cluster::publish``)
=============  ==============================================================
"""

from __future__ import annotations

import json
import struct

__all__ = ["FrameError", "read_frame"]

HELLO = 0x48
SUBSCRIBE = 0x53
UNSUBSCRIBE = 0x55
EVENT = 0x45
ID = 0x49
LOG = 0x4C
STORE = 0x54
CLUSTER = 0x43
#: Kinds that carry a topic and a payload.
MESSAGES = frozenset((EVENT, ID, LOG, STORE, CLUSTER))

#: The largest frame accepted (a longer one is a framing error).
MAX_FRAME = 64 << 20

_HEAD = struct.Struct(">IB")
_TOPIC = struct.Struct(">H")


class FrameError(Exception):
    """A frame that cannot be read: the connection is closed."""


def frame(kind: int, body: bytes) -> bytes:
    return _HEAD.pack(len(body) + 1, kind) + body


def encode_text(s: str) -> bytes:
    return s.encode("utf-8", "surrogateescape")


def text(body: bytes) -> str:
    return body.decode("utf-8", "surrogateescape")


def hello(node_id: str, port: int, subscriptions: list[str]) -> bytes:
    body = json.dumps({"id": node_id, "port": port, "subs": subscriptions}).encode()
    return frame(HELLO, body)


def parse_hello(body: bytes) -> tuple[str, int, list[str]]:
    try:
        d = json.loads(body)
        node_id, port, subs = d["id"], d["port"], d["subs"]
    except (ValueError, KeyError, TypeError) as e:
        raise FrameError(f"bad HELLO: {e}") from None
    if not (
        isinstance(node_id, str)
        and isinstance(port, int)
        and isinstance(subs, list)
        and all(isinstance(s, str) for s in subs)
    ):
        raise FrameError("bad HELLO: wrong field types")
    return node_id, port, subs


def message(kind: int, topic: str, payload: bytes) -> bytes:
    raw = encode_text(topic)
    return _HEAD.pack(1 + _TOPIC.size + len(raw) + len(payload), kind) + (
        _TOPIC.pack(len(raw)) + raw + payload
    )


def split_topic(body: bytes) -> tuple[str, bytes]:
    if len(body) < _TOPIC.size:
        raise FrameError("message without a topic")
    (n,) = _TOPIC.unpack_from(body)
    end = _TOPIC.size + n
    if len(body) < end:
        raise FrameError("message shorter than its topic")
    return text(body[_TOPIC.size : end]), body[end:]


def with_format(fmt: bytes, payload: bytes) -> bytes:
    return bytes((len(fmt),)) + fmt + payload


def split_format(body: bytes) -> tuple[bytes, bytes]:
    if not body or len(body) < 1 + body[0]:
        raise FrameError("message without a format")
    n = body[0]
    return body[1 : 1 + n], body[1 + n :]


async def read_frame(reader) -> tuple[int, bytes]:
    """The next frame's ``(kind, body)``; raises ``asyncio.IncompleteReadError``
    at the end of the stream, :class:`FrameError` for a bad length."""
    head = await reader.readexactly(_HEAD.size)
    length, kind = _HEAD.unpack(head)
    if length < 1 or length > MAX_FRAME:
        raise FrameError(f"frame length {length}")
    body = await reader.readexactly(length - 1) if length > 1 else b""
    return kind, body
