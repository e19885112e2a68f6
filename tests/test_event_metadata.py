"""Event metadata (Zeek 8's ``EventMetadata``) on the wire and across a cluster.

Units: both serializers write metadata as Broker's ``zeek::Event`` metadata
(a third element of the event: ``[[count id, value], ...]``) and read it
back by the types registered on the receiver; the WebSocket protocol reads
a client's metadata and writes it to clients.  End to end
(``tests/cluster/metadata.zs``): with ``add_network_timestamp`` a worker's
published event carries the worker's network time, the manager's reply
carries the timestamp of the event it handles, and local events are
stamped locally.
"""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from zscript.cluster.serializers import get_serializer
from zscript.cluster.serializers.bin_v1 import decode_data
from zscript.cluster.serializers.json_v1 import from_broker_json, to_broker_json
from zscript.cluster.websocket.protocol import decode_data_message, encode_data_message
from zscript.types import ANY, COUNT, STRING, TIME, VOID, FuncType, Param, VectorType

SCRIPT = Path(__file__).parent / "cluster" / "metadata.zs"

_EV = FuncType("event", [Param("s", STRING), Param("c", COUNT)], VOID)


def _lookup(name):
    return _EV if name == "App::ev" else None


FORMATS = ["broker-bin-v1", "broker-json-v1"]


def _vec(*items) -> dict:
    return {"@data-type": "vector", "data": list(items)}


def _ts_entry(text: str) -> dict:
    """A network timestamp metadata entry in Broker JSON."""
    return _vec({"@data-type": "count", "data": 1}, {"@data-type": "timestamp", "data": text})


def _generic(fmt: str, payload: bytes):
    """The payload as plain data: what any Broker peer would see."""
    if fmt == "broker-bin-v1":
        return decode_data(payload, VectorType(ANY))
    return orjson.loads(payload)


@pytest.mark.parametrize("fmt", FORMATS)
def test_metadata_round_trip(fmt):
    ser = get_serializer(fmt)
    payload = ser.serialize_event("App::ev", ("x", 42), [STRING, COUNT], ((1, 4711.5),))
    assert ser.deserialize_event_meta(payload, _lookup) == ("App::ev", ("x", 42), ((1, 4711.5),))
    # Without metadata the message is what it always was (two event fields).
    plain = ser.serialize_event("App::ev", ("x", 42), [STRING, COUNT])
    assert ser.deserialize_event_meta(plain, _lookup) == ("App::ev", ("x", 42), None)
    assert ser.deserialize_event(payload, _lookup) == ("App::ev", ("x", 42))
    # Cached fast paths must not mix the two up, whichever comes first.
    for p, meta in [(plain, None), (payload, ((1, 4711.5),)), (plain, None)]:
        assert ser.deserialize_event_meta(p, _lookup)[2] == meta


def test_binary_layout_is_brokers():
    """The metadata is the event's third field: a vector of [count, timestamp]."""
    ser = get_serializer("broker-bin-v1")
    payload = ser.serialize_event("App::ev", ("x", 42), [STRING, COUNT], ((1, 2.0),))
    plain = ser.serialize_event("App::ev", ("x", 42), [STRING, COUNT])
    # The content vector grows from 2 to 3 fields; the metadata follows the args.
    assert payload[: len(plain)].replace(b"\x0e\x03\x05", b"\x0e\x02\x05", 1) == plain
    tail = payload[len(plain) :]
    # vector(1) of vector(2): count 1, timestamp 2 s in nanoseconds.
    assert tail == bytes([0x0E, 1, 0x0E, 2, 0x02]) + (1).to_bytes(8, "big") + bytes([0x09]) + (
        2_000_000_000
    ).to_bytes(8, "big")


def test_json_layout_is_brokers():
    ser = get_serializer("broker-json-v1")
    payload = ser.serialize_event("App::ev", ("x", 42), [STRING, COUNT], ((1, 6162.0),))
    content = _generic("broker-json-v1", payload)["data"][2]["data"]
    assert content[2] == _vec(_ts_entry("1970-01-01T01:42:42.000"))


@pytest.mark.parametrize("fmt", FORMATS)
def test_registered_types_decide(fmt):
    """Entries the receiver has not registered are ignored; values that do not
    convert to the registered type are dropped and counted; the event stays."""
    types = {1: TIME, 1000: STRING, 1001: COUNT}
    sender = get_serializer(fmt, metadata_type=types.get)
    payload = sender.serialize_event(
        "App::ev", ("x", 1), [STRING, COUNT], ((1000, "tenant-a"), (1001, 7), (1, 3.0))
    )
    receiver = get_serializer(fmt, metadata_type={1: TIME, 1001: STRING}.get)
    name, args, meta = receiver.deserialize_event_meta(payload, _lookup)
    assert (name, args, meta) == ("App::ev", ("x", 1), ((1, 3.0),))
    assert receiver.metadata_dropped == 1  # 1001 is a string here, the sender sent a count
    full = get_serializer(fmt, metadata_type=types.get)
    assert full.deserialize_event_meta(payload, _lookup)[2] == (
        (1000, "tenant-a"),
        (1001, 7),
        (1, 3.0),
    )


@pytest.mark.parametrize("fmt", FORMATS)
def test_malformed_metadata_is_a_serialization_error(fmt):
    from zscript.cluster.serializers import SerializationError

    ser = get_serializer(fmt)
    payload = ser.serialize_event("App::ev", ("x", 42), [STRING, COUNT], ((1, 1.0),))
    if fmt == "broker-bin-v1":
        bad = payload[:-17] + bytes([0x05, 1]) + b"x"  # an entry that is a string
    else:
        obj = orjson.loads(payload)
        obj["data"][2]["data"][2]["data"] = [{"@data-type": "count", "data": 1}]
        bad = orjson.dumps(obj)
    with pytest.raises(SerializationError):
        ser.deserialize_event_meta(bad, _lookup)


# ------------------------------------------------------------ WebSocket


def _client_message(meta_json=None) -> bytes:
    event = [
        {"@data-type": "string", "data": "App::ev"},
        {
            "@data-type": "vector",
            "data": [{"@data-type": "string", "data": "x"}, {"@data-type": "count", "data": 2}],
        },
    ]
    if meta_json is not None:
        event.append(meta_json)
    one = {"@data-type": "count", "data": 1}
    return orjson.dumps(
        {
            "type": "data-message",
            "topic": "/t",
            "@data-type": "vector",
            "data": [one, one, {"@data-type": "vector", "data": event}],
        }
    )


def _decode_meta(entries):
    return get_serializer("broker-json-v1").convert_metadata(entries, from_broker_json)


def test_websocket_client_metadata_is_read():
    ts = {
        "@data-type": "vector",
        "data": [
            {
                "@data-type": "vector",
                "data": [
                    {"@data-type": "count", "data": 1},
                    {"@data-type": "timestamp", "data": "1970-01-01T01:42:42"},
                ],
            },
            # Not registered on this node: ignored.
            {
                "@data-type": "vector",
                "data": [
                    {"@data-type": "count", "data": 99},
                    {"@data-type": "string", "data": "?"},
                ],
            },
        ],
    }
    msg = decode_data_message(_client_message(ts), _lookup, from_broker_json, _decode_meta)
    assert (msg.name, msg.args, msg.meta) == ("App::ev", ["x", 2], ((1, 6162.0),))
    assert (
        decode_data_message(_client_message(), _lookup, from_broker_json, _decode_meta).meta is None
    )
    # Metadata not in the [[count, value]] form is valid data, but no metadata.
    odd = {"@data-type": "vector", "data": [{"@data-type": "string", "data": "?"}]}
    assert (
        decode_data_message(_client_message(odd), _lookup, from_broker_json, _decode_meta).meta
        is None
    )


def test_websocket_metadata_is_written():
    from zscript.cluster.serializers.json_v1 import metadata_to_json

    meta = metadata_to_json(((1, 4711.0),), {1: TIME}.get, to_broker_json)
    data, is_text = encode_data_message(
        "/t", "App::ev", ["x", 2], [STRING, COUNT], to_broker_json, meta
    )
    event = orjson.loads(data)["data"][2]["data"]
    assert is_text and len(event) == 3
    assert event[2]["data"][0]["data"][1] == {
        "@data-type": "timestamp",
        "data": "1970-01-01T01:18:31.000",
    }


# ------------------------------------------------------------ cluster


def test_network_timestamps_cross_the_cluster(local_cluster):
    c = local_cluster({"manager": "manager", "worker-1": "worker"})
    c.start_all([SCRIPT])
    worker = c.wait_for("worker-1", "pong ", timeout=40)
    manager = c.output("manager")
    # The worker's ping carries the worker's network time when it published.
    assert "ping stamped with the sender's time: T" in manager, manager
    # The manager's pong carries the ping's timestamp (the event it handled).
    assert "pong stamped with the ping's time: T" in worker, worker
    # Local events are stamped locally.
    assert "node_up stamped: T" in manager, manager
