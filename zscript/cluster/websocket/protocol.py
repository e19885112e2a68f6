"""Zeek's WebSocket API, version 1: the messages, without any I/O.

The protocol (``doc/advanced/devel/websocket-api.rst`` in Zeek) runs on the
path :data:`PATH`.  The client's first message is a JSON array of topic
prefixes (:func:`parse_subscriptions`); the server answers
:func:`ack_message` once they are active.  After that both sides exchange
*data messages*, events in Broker's JSON v1 data model wrapped in an
envelope::

    {"type":"data-message","topic":T,"@data-type":"vector","data":[
      {"@data-type":"count","data":1}, {"@data-type":"count","data":1},
      {"@data-type":"vector","data":[{"@data-type":"string","data":NAME},
                                     {"@data-type":"vector","data":[ARGS...]}
                                     (, METADATA)]}]}

with the event's metadata (Zeek 8's ``EventMetadata``) as in
:mod:`..serializers.json_v1`, in both directions.

Problems are reported with :func:`error_message` (``{"type":"error",
"code":...,"context":...}``) using Zeek's codes and texts, which
:class:`ProtocolError` carries.  zscript adds two codes: :data:`NOT_ALLOWED`
(what the client's token does not allow, or an event only the node raises)
and :data:`LIMIT_EXCEEDED` (a topic over :data:`~..access.MAX_TOPIC` bytes,
more than ``MAX_SUBSCRIPTIONS`` subscriptions).

Incoming data messages (:func:`decode_data_message`) are checked in Zeek's
order: the JSON text and the whole data model first ("failed to decode JSON
object"), then the topic, then the event: it must be declared on the
hosting node and every argument must convert to the declared parameter type
("failed to create Zeek event").  The cheap checks run first and the full
data-model check only when something failed, to tell the two errors apart.
The decoder is lenient where real clients differ from Zeek (zeekpy's
fractional nanosecond intervals, microsecond times with ``+00:00``, integers
for reals); see :mod:`..serializers.json_v1`.

Outgoing data messages (:func:`encode_data_message`) use Zeek's forms
exactly: times with milliseconds and no zone, intervals in the coarsest
exact unit, and reals the way Broker prints them (C's ``%f``, six
decimals).  Two deliberate differences keep the text valid JSON in a valid
text frame, which every client can parse: control characters are escaped
as ``\\u00XX`` (Broker writes ``\\v`` and raw control bytes, which strict
JSON parsers reject), and bytes of a string that are not UTF-8 become
U+FFFD (Zeek's WebSocket library refuses to send such a message and closes
the client with 1007 instead).

Strings: JSON text is Unicode, zscript strings hold one byte per character.
:func:`zeek_string` and :func:`json_text` convert between the two (UTF-8,
with undecodable bytes kept as surrogate escapes).
"""

from __future__ import annotations

import re

import orjson

from ...types import FuncType, Type
from ..serializers import SerializationError
from ..serializers._json_format import node_from_json
from ..serializers._values import Malformed
from ..serializers.base import ConversionError, argument_conversion_error
from ..serializers.json_v1 import dumps, loads, metadata_from_json

__all__ = [
    "CTX_BAD_JSON",
    "CTX_INVALID_APP",
    "CTX_INVALID_URI",
    "CTX_NO_EVENT",
    "CTX_NO_TOPIC",
    "CTX_SUBSCRIPTIONS_NOT_ARRAY",
    "CTX_SUBSCRIPTION_NOT_STRING",
    "DESERIALIZATION_FAILED",
    "INVALID_APPLICATION_NAME",
    "INVALID_URI",
    "LIMIT_EXCEEDED",
    "NOT_ALLOWED",
    "PATH",
    "DataMessage",
    "ProtocolError",
    "ack_message",
    "decode_data_message",
    "encode_data_message",
    "error_message",
    "json_text",
    "parse_subscriptions",
    "valid_application_name",
    "zeek_string",
]

#: The only path the v1 protocol is served on.
PATH = "/v1/messages/json"

DESERIALIZATION_FAILED = "deserialization_failed"
INVALID_URI = "invalid_uri"
INVALID_APPLICATION_NAME = "invalid_application_name"
#: zscript: refused by the client's access (or a node's own event).
NOT_ALLOWED = "not_allowed"
#: zscript: over a size or count limit.
LIMIT_EXCEEDED = "limit_exceeded"

CTX_SUBSCRIPTIONS_NOT_ARRAY = "subscriptions not an array"
CTX_SUBSCRIPTION_NOT_STRING = "individual subscription not a string"
CTX_BAD_JSON = "failed to decode JSON object"
CTX_NO_TOPIC = "no topic in top-level JSON object"
CTX_NO_EVENT = "failed to create Zeek event"
CTX_INVALID_URI = "Invalid URI - use /v1/messages/json"
CTX_INVALID_APP = "Invalid X-Application-Name"

DT = "@data-type"
_ONE = {DT: "count", "data": 1}
_APP_NAME = re.compile(r"[-/_.=:*@a-zA-Z0-9]*")


class ProtocolError(Exception):
    """A message the protocol rejects: ``code`` and ``context`` of the error reply."""

    def __init__(self, code: str, context: str, detail: str = ""):
        super().__init__(f"{code}: {context}" + (f" ({detail})" if detail else ""))
        self.code = code
        self.context = context
        #: Why, for the hosting node's diagnostics (never sent to the client).
        self.detail = detail


class DataMessage:
    """A decoded client event: ``topic`` (JSON text), ``name``, ``args``, ``types``."""

    __slots__ = ("args", "meta", "name", "topic", "types")

    def __init__(
        self, topic: str, name: str, args: list, types: list[Type], meta: tuple | None = None
    ):
        self.topic = topic
        self.name = name
        self.args = args
        self.types = types
        #: The event's metadata (see :mod:`zscript.engine.metadata`), or None.
        self.meta = meta


# ------------------------------------------------------------------ strings


def zeek_string(text: str) -> str:
    """JSON text as a zscript string (its UTF-8 bytes, one per character)."""
    if text.isascii():
        return text
    return text.encode("utf-8", "surrogateescape").decode("latin-1")


def _wire_text(text: str) -> str:
    """JSON text that encodes to bytes: lone surrogate escapes become the three
    bytes CAF writes for them (as string values do, see ``text_to_latin1``)."""
    if text.isascii():
        return text
    try:
        text.encode("utf-8", "surrogateescape")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogatepass").decode("utf-8", "surrogateescape")


def json_text(raw: bytes | str) -> str:
    """Bytes from the wire (a topic), or a zscript string, as JSON text; bad UTF-8
    stays as surrogate escapes."""
    if isinstance(raw, str):
        if raw.isascii():
            return raw
        raw = raw.encode("latin-1")
    return raw.decode("utf-8", "surrogateescape")


# ------------------------------------------------------------ small messages


def error_message(code: str, context: str) -> bytes:
    """``{"type":"error","code":CODE,"context":CONTEXT}``."""
    return dumps({"type": "error", "code": code, "context": context})


def ack_message(endpoint: str, version: str) -> bytes:
    """``{"type":"ack","endpoint":ID,"version":VERSION}``."""
    return dumps({"type": "ack", "endpoint": endpoint, "version": version})


def valid_application_name(name: str) -> bool:
    """Zeek's check of ``X-Application-Name``: ASCII letters, digits and ``-/_.=:*@``."""
    return _APP_NAME.fullmatch(name) is not None


def parse_subscriptions(frame: str | bytes) -> list[str]:
    """The topic prefixes of a client's first message (JSON text, possibly duplicated).

    :raises ProtocolError: not a JSON array, or an element is not a string.
    """
    try:
        subs = loads(frame)
    except Exception as e:  # noqa: BLE001 - anything unparsable is "not an array"
        raise ProtocolError(DESERIALIZATION_FAILED, CTX_SUBSCRIPTIONS_NOT_ARRAY, str(e)) from None
    if type(subs) is not list:
        raise ProtocolError(DESERIALIZATION_FAILED, CTX_SUBSCRIPTIONS_NOT_ARRAY)
    for s in subs:
        if type(s) is not str:
            raise ProtocolError(DESERIALIZATION_FAILED, CTX_SUBSCRIPTION_NOT_STRING)
        if not s.isascii():
            try:
                s.encode("utf-8", "surrogateescape")
            except UnicodeEncodeError:
                # A lone surrogate escape (\\ud800): invalid JSON text for
                # Zeek's parser, so not an array of topics either.
                raise ProtocolError(
                    DESERIALIZATION_FAILED, CTX_SUBSCRIPTIONS_NOT_ARRAY, "lone surrogate"
                ) from None
    return subs


# ------------------------------------------------------------ data messages


def is_broker_data(obj) -> bool:
    """Whether ``obj`` is valid Broker JSON v1 data (every nested value, every atom)."""
    try:
        node_from_json(obj)
    except (Malformed, RecursionError):
        return False
    return True


def _vector(o, min_len: int) -> list | None:
    if type(o) is not dict or o.get(DT) != "vector":
        return None
    v = o.get("data")
    return v if type(v) is list and len(v) >= min_len else None


def _is_one(o) -> bool:
    return (
        type(o) is dict and o.get(DT) == "count" and o.get("data") == 1 and type(o["data"]) is int
    )


def decode_data_message(frame: str | bytes, lookup, decode, decode_meta=None) -> DataMessage:
    """Decode a client's data message into the hosting node's event.

    :param lookup: ``lookup(name) -> FuncType | None``, the node's declaration.
    :param decode: ``decode(obj, type) -> value``, raising ``SerializationError``.
    :param decode_meta: ``decode_meta([(id, raw value)]) -> metadata or None``;
        without it, metadata is checked and dropped.
    :raises ProtocolError: with Zeek's code and context (see the module docstring).
    """
    try:
        obj = loads(frame)
    except Exception as e:  # noqa: BLE001 - Malformed, or worse: not JSON either way
        raise ProtocolError(DESERIALIZATION_FAILED, CTX_BAD_JSON, str(e)) from None
    if type(obj) is not dict:
        raise ProtocolError(DESERIALIZATION_FAILED, CTX_BAD_JSON, "not a JSON object")
    why = ""
    try:
        msg = _decode_event(obj, lookup, decode, decode_meta)
        if msg is not None:
            return msg
    except SerializationError as e:
        why = str(e)
    except Exception as e:  # noqa: BLE001 - a decoder's bug must not end the connection
        why = f"{type(e).__name__}: {e}"
    if not is_broker_data(obj):
        raise ProtocolError(DESERIALIZATION_FAILED, CTX_BAD_JSON, "not Broker JSON v1 data")
    if type(obj.get("topic")) is not str:
        raise ProtocolError(DESERIALIZATION_FAILED, CTX_NO_TOPIC)
    raise ProtocolError(DESERIALIZATION_FAILED, CTX_NO_EVENT, why)


def _decode_event(obj: dict, lookup, decode, decode_meta) -> DataMessage | None:
    """The event in ``obj``, or None when anything does not fit (the caller tells why)."""
    topic = obj.get("topic")
    outer = _vector(obj, 3)
    if type(topic) is not str or outer is None or not (_is_one(outer[0]) and _is_one(outer[1])):
        return None
    content = _vector(outer[2], 2)
    if content is None or len(content) > 3:
        return None
    name_o, args_o = content[0], content[1]
    if (
        type(name_o) is not dict
        or name_o.get(DT) != "string"
        or type(name_o.get("data")) is not str
    ):
        return None
    raw_args = _vector(args_o, 0)
    if raw_args is None:
        return None
    name = zeek_string(name_o["data"])
    ft = lookup(name)
    if not isinstance(ft, FuncType) or ft.flavor != "event":
        raise SerializationError(f"Failed to lookup handler for '{name}'")
    types = [p.type for p in ft.params]
    if len(types) != len(raw_args):
        raise SerializationError(
            f"Unserialize error '{name}' arg_types.size()={len(types)} and args.size()={len(raw_args)}"
        )
    args = []
    for raw, t in zip(raw_args, types, strict=True):
        try:
            args.append(decode(raw, t))
        except ConversionError as e:  # reworded as Zeek's serializer words it
            raise argument_conversion_error(name, e.value_text, e.broker_type, t) from None
    # Metadata and anything after the event must be valid data; metadata not
    # in the form [[count, value], ...] is ignored.
    for extra in content[2:] + outer[3:]:
        if not is_broker_data(extra):
            return None
    meta = None
    if len(content) > 2 and decode_meta is not None:
        try:
            meta = decode_meta(metadata_from_json(content[2]))
        except Malformed:
            meta = None
    return DataMessage(_wire_text(topic), name, args, types, meta)


def _zeek_reals(o, found: list) -> None:
    """Collect the ``real`` nodes of an encoded value (to print them as Broker does)."""
    dt = o.get(DT)
    if dt == "real":
        found.append(o)
    elif dt in ("vector", "set"):
        for x in o["data"]:
            _zeek_reals(x, found)
    elif dt == "table":
        for kv in o["data"]:
            _zeek_reals(kv["key"], found)
            _zeek_reals(kv["value"], found)


def encode_data_message(
    topic: str, name: str, args, types, encode, meta: dict | None = None
) -> tuple[bytes, bool]:
    """``(bytes, is_text)`` of the data message for an event the cluster delivered.

    :param topic: JSON text (see :func:`json_text`).
    :param encode: ``encode(value, type) -> object`` (Broker JSON v1 data).
    :param meta: the event's metadata vector (Broker JSON v1 data), or None.
    :raises SerializationError: an argument cannot be rendered (NaN, a vector with holes).
    """
    encoded = [encode(a, t) for a, t in zip(args, types, strict=True)]
    event = [{DT: "string", "data": json_text(name)}, {DT: "vector", "data": encoded}]
    if meta is not None:
        event.append(meta)
    msg = {
        "type": "data-message",
        "topic": topic,
        DT: "vector",
        "data": [_ONE, _ONE, {DT: "vector", "data": event}],
    }
    reals: list = []
    for e in encoded:
        _zeek_reals(e, reals)
    for r in reals:
        r["data"] = orjson.Fragment(b"%f" % float(r["data"]))
    try:
        return orjson.dumps(msg), True
    except orjson.JSONEncodeError:
        # Strings with bytes that are not UTF-8 (surrogate escapes here).
        return orjson.dumps(_valid_text(msg)), True


def _valid_text(o):
    """``o`` with every string's non-UTF-8 bytes replaced by U+FFFD."""
    if type(o) is str:
        try:
            o.encode("utf-8")
            return o
        except UnicodeEncodeError:
            try:
                raw = o.encode("utf-8", "surrogateescape")
            except UnicodeEncodeError:
                raw = o.encode("utf-8", "replace")
            return raw.decode("utf-8", "replace")
    if type(o) is dict:
        return {_valid_text(k): _valid_text(v) for k, v in o.items()}
    if type(o) is list:
        return [_valid_text(x) for x in o]
    return o
