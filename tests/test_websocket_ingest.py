"""The WebSocket ingest shortcut (:mod:`zscript.cluster.websocket.ingest`)
publishes exactly what the full path publishes, or declines.

The full path of a client's data message is :func:`decode_data_message`, the
client's access check and the serializer's ``serialize_event``.  On the
events of the serializer tests, and on about 5,000 structural mutations of
their data messages, the shortcut either publishes the same bytes on the same
topic as the full path, or publishes nothing and leaves the message to it.
"""

from __future__ import annotations

import random
from types import SimpleNamespace

import orjson
from test_serializers import (  # noqa: F401 - the module's fixtures (host, T) too
    T,
    corpus,
    host,
    lookup_in,
    structural_mutations,
)

from zscript.cluster.access import FULL_ACCESS, MAX_TOPIC, ClientAccess
from zscript.cluster.serializers import SerializationError
from zscript.cluster.serializers.bin_v1 import BrokerBinV1Serializer
from zscript.cluster.serializers.json_v1 import (
    BrokerJsonV1Serializer,
    broker_json_decoder,
    dumps,
    from_broker_json,
    loads,
)
from zscript.cluster.websocket.ingest import make_ingest
from zscript.cluster.websocket.protocol import ProtocolError, decode_data_message
from zscript.types import COUNT, STRING


def data_message(ser_json, name, args, types, topic="/t") -> dict:
    obj = loads(ser_json.serialize_event(name, args, types))
    return {"type": "data-message", "topic": topic, **obj}


def events(h, types_by_name):
    """The serializer tests' events, and each again with plain ASCII for its
    string arguments (JSON that ``orjson`` reads: the shortcut's input)."""
    for name, args, types in corpus(h, types_by_name):
        yield name, args, types
        yield name, tuple("plain" if type(a) is str else a for a in args), types


def full_path(frame, lookup, ser, access, resolve_enum):
    """``(topic, name, payload)`` as the client's full path publishes it, or None."""

    def decode(obj, t):
        return from_broker_json(obj, t, resolve_enum=resolve_enum)

    try:
        msg = decode_data_message(frame, lookup, decode)
    except ProtocolError:
        return None
    if len(msg.topic.encode("utf-8", "surrogateescape")) > MAX_TOPIC:
        return None
    if access.refuse_publish(msg.topic, msg.name) is not None:
        return None
    try:
        payload = ser.serialize_event(msg.name, msg.args, msg.types, msg.meta)
    except SerializationError:
        return None
    return msg.topic, msg.name, payload


def test_ingest_publishes_what_the_full_path_publishes_or_declines(host, T):  # noqa: F811
    rng = random.Random(2026)
    lookup = lookup_in(host)
    ser = BrokerBinV1Serializer(resolve_enum=host.enum_value)
    published: list = []
    ingest = make_ingest(
        lookup,
        lambda t: broker_json_decoder(t, resolve_enum=host.enum_value),
        ser,
        lambda client, topic, name, payload: published.append((topic, name, payload)),
    )
    restricted = ClientAccess(publish_topics=["/t"], publish_events=["Ser::all"])
    clients = [
        SimpleNamespace(access=FULL_ACCESS, allowed=set()),
        SimpleNamespace(access=restricted, allowed=set()),
    ]
    ser_json = BrokerJsonV1Serializer(resolve_enum=host.enum_value)
    taken = declined = 0
    for name, args, types in events(host, T):
        for topic in ("/t", "/other", "/t" + "x" * MAX_TOPIC):
            obj = data_message(ser_json, name, args, types, topic)
            frames = [dumps(obj)]
            frames += structural_mutations(obj, rng, 400 if topic == "/t" else 20)
            for frame in frames:
                for client in clients:
                    expected = full_path(frame, lookup, ser, client.access, host.enum_value)
                    took = ingest(client, frame)
                    if not took:
                        assert not published
                        declined += 1
                        continue
                    taken += 1
                    assert expected is not None, frame
                    assert published == [expected], frame
                    published.clear()
    assert taken > 100 and declined > 100
    checked = 0
    # The canonical message of every event the node declares is taken, also
    # as text, and more than once (what the shortcut remembers stays right).
    for name, args, types in events(host, T):
        frame = dumps(data_message(ser_json, name, args, types))
        expected = full_path(frame, lookup, ser, FULL_ACCESS, host.enum_value)
        try:
            text = frame.decode()
        except UnicodeDecodeError:
            # Raw bytes in a string: orjson refuses them, the full path reads them.
            assert not ingest(clients[0], frame) and not published
            continue
        checked += 1
        for f in (frame, text, frame):
            assert ingest(clients[0], f), name
            assert published == [expected]
            published.clear()
    assert checked == 5  # all but the one with raw bytes


def test_ingest_declines_metadata_and_unknown_events(host):  # noqa: F811
    lookup = lookup_in(host)
    ser = BrokerBinV1Serializer(resolve_enum=host.enum_value)
    published: list = []
    ingest = make_ingest(
        lookup,
        lambda t: broker_json_decoder(t),
        ser,
        lambda *a: published.append(a),
    )
    client = SimpleNamespace(access=FULL_ACCESS, allowed=set())
    ser_json = BrokerJsonV1Serializer()
    obj = data_message(ser_json, "Supervisor::node_status", ("x", 1), [STRING, COUNT])
    assert ingest(client, orjson.dumps(obj)) and published
    published.clear()
    meta = {"@data-type": "vector", "data": []}
    with_meta = orjson.loads(orjson.dumps(obj))
    with_meta["data"][2]["data"].append(meta)
    unknown = orjson.loads(orjson.dumps(obj))
    unknown["data"][2]["data"][0]["data"] = "No::such_event"
    local = orjson.loads(orjson.dumps(obj))
    local["data"][2]["data"][0]["data"] = "zeek_init"
    local["data"][2]["data"][1]["data"] = []
    for bad in (with_meta, unknown, local):
        assert not ingest(client, orjson.dumps(bad))
    assert not ingest(client, b"{not json")
    assert not published
