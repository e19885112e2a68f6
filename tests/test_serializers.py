"""The cluster event serializers (``zscript.cluster.serializers``).

1. broker-json-v1 produces exactly the shapes of the fact sheet §3.4 (whole
   JSON structures, including the composed ``zscript::demo`` example).
2. broker-bin-v1 round-trips every type and matches hand-derived bytes.
3. Thousands of truncated or mutated payloads only ever raise
   ``SerializationError``.
4. Inputs as zeekpy (and Zeek itself) write them decode.
"""

from __future__ import annotations

import io
import ipaddress
import random
import time
import tomllib
from pathlib import Path

import orjson
import pytest

from zscript.cluster.serializers import (
    ENTRY_POINT_GROUP,
    EventSerializer,
    SerializationError,
    available_serializers,
    get_serializer,
)
from zscript.cluster.serializers import base as base_mod
from zscript.cluster.serializers.bin_v1 import BrokerBinV1Serializer, decode_data, encode_data
from zscript.cluster.serializers.json_v1 import (
    BrokerJsonV1Serializer,
    dumps,
    from_broker_json,
    loads,
    to_broker_json,
)
from zscript.diagnostics import SourceFile
from zscript.host import Host
from zscript.runtime.addresses import Addr, Port, Subnet
from zscript.runtime.containers import Set, Table, Vector
from zscript.runtime.patterns import Pattern
from zscript.runtime.values import Boxed, record_class
from zscript.types import (
    ADDR,
    ANY,
    BOOL,
    COUNT,
    DOUBLE,
    INT,
    INTERVAL,
    PATTERN,
    PORT,
    STRING,
    SUBNET,
    TIME,
    Field,
    RecordType,
    VectorType,
)

SCRIPT = """
module Ser;
export {
    type Color: enum { RED, GREEN, BLUE };
    type Inner: record { a: count; b: string &optional; };
    type R: record { n: count; note: string &optional; };
    type Outer: record { name: string; inner: Inner; tags: set[string]; seen: time &optional; };
    type Node: record { v: count; };
    redef record Node += { nxt: Node &optional; };
    type WithDefault: record { x: count; d: double &default=1.5; };
    global types: event(s_str: set[string], s_addr: set[addr], s_two: set[count, string],
                        t_cs: table[count] of string, t_comp: table[count, string] of R,
                        t_rkey: table[R] of count, v_count: vector of count,
                        v_rec: vector of R, v_any: vector of any, v_vv: vector of vector of string,
                        f: function(x: count): count, s_vec: set[vector of count]);
    global node_status: event(s: string, c: count);
    global all: event(b: bool, c: count, i: int, d: double, s: string, a: addr, sn: subnet,
                      p: port, t: time, iv: interval, e: Color, r: R, o: Outer,
                      ss: set[string], tc: table[count, string] of R, v: vector of R,
                      pat: pattern, x: any);
}
module zscript;
export {
    type rec: record { n: count; note: string &optional; };
    global demo: event(src: addr, p: port, seen: time, tags: set[string], r: rec);
}
module GLOBAL;
function double_it(x: count): count { return x * 2; }
"""


@pytest.fixture(scope="module")
def host():
    h = Host(virtual_time=True, stdout=io.StringIO(), stderr=io.StringIO())
    h.load_source(SourceFile("t.zs", SCRIPT))
    assert not h.failed, h.diagnostics
    return h


@pytest.fixture(scope="module")
def T(host):
    """Parameter types of ``T::types`` and the script's named types, by name."""
    types = {p.name: p.type for p in host.checker.globals["Ser::types"].type.params}
    for name in ("Color", "Inner", "R", "Outer", "Node", "WithDefault"):
        types[name] = host.script_type("Ser::" + name)
    return types


def lookup_in(host):
    def lookup(name):
        gid = host.checker.globals.get(name)
        return gid.type if gid is not None and gid.kind != "type" else None

    return lookup


def mk(rt, **fields):
    return record_class(rt)._zmake({"f_" + k: v for k, v in fields.items()})


def addr(text):
    return Addr(ipaddress.ip_address(text))


def subnet(text):
    return Subnet(ipaddress.ip_network(text))


def jv(dt, data):
    return {"@data-type": dt, "data": data}


NONE = jv("none", {})


def eq(a, b) -> bool:
    """Value equality for round trips (Boxed compares by type tag and value)."""
    if isinstance(a, Boxed) and isinstance(b, Boxed):
        return a.t.tag == b.t.tag and a.v == b.v
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(eq(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


# ======================================================================
# 1. broker-json-v1 shapes


def json_cases(host, T):
    R, Inner, Outer = T["R"], T["Inner"], T["Outer"]
    red = host.enum_value("Ser::RED")
    r3 = mk(R, n=3)
    t_comp = Table(T["t_comp"])
    t_comp[(1, "x")] = r3
    t_cs = Table(T["t_cs"])
    t_cs[7] = "seven"
    outer = mk(Outer, name="o", inner=mk(Inner, a=1, b="bee"), tags=Set(T["s_str"], ["t"]))
    return [
        ("bool", BOOL, True, jv("boolean", True)),
        ("count", COUNT, 42, jv("count", 42)),
        ("count-max", COUNT, 2**64 - 1, jv("count", 2**64 - 1)),
        ("int", INT, -5, jv("integer", -5)),
        ("double", DOUBLE, 1.5, jv("real", 1.5)),
        ("double-whole", DOUBLE, 2.0, jv("real", 2.0)),
        ("string", STRING, 'a"b\\c\n', jv("string", 'a"b\\c\n')),
        ("string-utf8-bytes", STRING, "\xc3\xa9", jv("string", "é")),
        ("string-raw-byte", STRING, "x\xe9", jv("string", "x\udce9")),
        ("addr4", ADDR, addr("192.0.2.1"), jv("address", "192.0.2.1")),
        ("addr6", ADDR, addr("2001:db8::1"), jv("address", "2001:db8::1")),
        ("subnet4", SUBNET, subnet("10.0.0.0/8"), jv("subnet", "10.0.0.0/8")),
        ("subnet6", SUBNET, subnet("2001:db8::/32"), jv("subnet", "2001:db8::/32")),
        ("port-tcp", PORT, Port(80, "tcp"), jv("port", "80/tcp")),
        ("port-udp", PORT, Port(53, "udp"), jv("port", "53/udp")),
        ("port-icmp", PORT, Port(8, "icmp"), jv("port", "8/icmp")),
        ("port-unknown", PORT, Port(0, "unknown"), jv("port", "0/?")),
        ("time", TIME, 1735787045.678, jv("timestamp", "2025-01-02T03:04:05.678")),
        ("time-epoch", TIME, 0.0, jv("timestamp", "1970-01-01T00:00:00.000")),
        ("interval-zero", INTERVAL, 0.0, jv("timespan", "0s")),
        ("interval-ms", INTERVAL, 1.5, jv("timespan", "1500ms")),
        ("interval-s", INTERVAL, 60.0, jv("timespan", "60s")),
        ("interval-us", INTERVAL, 0.000002, jv("timespan", "2us")),
        ("interval-ns", INTERVAL, 1e-9, jv("timespan", "1ns")),
        ("interval-neg", INTERVAL, -2.0, jv("timespan", "-2s")),
        ("enum", T["Color"], red, jv("enum-value", "Ser::RED")),
        ("set", T["s_str"], Set(T["s_str"], ["a"]), jv("set", [jv("string", "a")])),
        ("set-empty", T["s_str"], Set(T["s_str"]), jv("set", [])),
        (
            "set-composite",
            T["s_two"],
            Set(T["s_two"], [(1, "a")]),
            jv("set", [jv("vector", [jv("count", 1), jv("string", "a")])]),
        ),
        (
            "table",
            T["t_cs"],
            t_cs,
            jv("table", [{"key": jv("count", 7), "value": jv("string", "seven")}]),
        ),
        (
            "table-composite",
            T["t_comp"],
            t_comp,
            jv(
                "table",
                [
                    {
                        "key": jv("vector", [jv("count", 1), jv("string", "x")]),
                        "value": jv("vector", [jv("count", 3), NONE]),
                    }
                ],
            ),
        ),
        (
            "vector",
            T["v_count"],
            Vector(T["v_count"], [1, 2]),
            jv("vector", [jv("count", 1), jv("count", 2)]),
        ),
        ("record-unset", R, r3, jv("vector", [jv("count", 3), NONE])),
        (
            "record-set",
            R,
            mk(R, n=4, note="hi"),
            jv("vector", [jv("count", 4), jv("string", "hi")]),
        ),
        (
            "record-nested",
            Outer,
            outer,
            jv(
                "vector",
                [
                    jv("string", "o"),
                    jv("vector", [jv("count", 1), jv("string", "bee")]),
                    jv("set", [jv("string", "t")]),
                    NONE,
                ],
            ),
        ),
        (
            "pattern",
            PATTERN,
            Pattern("ab+"),
            jv("vector", [jv("string", "^?(ab+)$?"), jv("string", "^?(.|\\n)*(ab+)")]),
        ),
        ("any-count", ANY, Boxed(COUNT, 3), jv("count", 3)),
        ("any-string", ANY, "s", jv("string", "s")),
        ("any-interval", ANY, Boxed(INTERVAL, 0.25), jv("timespan", "250ms")),
    ]


def test_json_shapes_every_type(host, T):
    for label, t, value, expected in json_cases(host, T):
        got = to_broker_json(value, t)
        assert got == expected, label
        # The text form parses back to the same structure...
        assert loads(dumps(got)) == expected, label
        # ...and the object decodes back to the value.
        back = from_broker_json(got, t, resolve_enum=host.enum_value)
        assert eq(back, value), (label, back, value)


def test_json_text_keeps_zeek_string_bytes():
    # Zeek writes a string's raw bytes; valid UTF-8 stays as is, other bytes too.
    assert dumps(to_broker_json("x\xe9", STRING)) == b'{"@data-type":"string","data":"x\xe9"}'
    assert dumps(to_broker_json("\xc3\xa9", STRING)) == b'{"@data-type":"string","data":"\xc3\xa9"}'
    assert from_broker_json(loads(b'{"@data-type":"string","data":"x\xe9"}'), STRING) == "x\xe9"


def test_json_record_with_default_field(T):
    # Zeek sends a &default field's value (GetFieldOrDefault).
    wd = mk(T["WithDefault"], x=1)
    assert to_broker_json(wd, T["WithDefault"]) == jv("vector", [jv("count", 1), jv("real", 1.5)])


COMPOSED = b"""{"type":"data-message","topic":"zscript.demo","@data-type":"vector","data":[
 {"@data-type":"count","data":1},{"@data-type":"count","data":1},
 {"@data-type":"vector","data":[
   {"@data-type":"string","data":"zscript::demo"},
   {"@data-type":"vector","data":[
     {"@data-type":"address","data":"192.0.2.7"},
     {"@data-type":"port","data":"443/tcp"},
     {"@data-type":"timestamp","data":"2025-01-02T03:04:05.678"},
     {"@data-type":"set","data":[{"@data-type":"string","data":"a"}]},
     {"@data-type":"vector","data":[{"@data-type":"count","data":3},{"@data-type":"none","data":{}}]}
   ]}]}]}"""


def demo_args(host):
    ft = host.checker.globals["zscript::demo"].type
    types = [p.type for p in ft.params]
    rec = host.script_type("zscript::rec")
    args = (
        addr("192.0.2.7"),
        Port(443, "tcp"),
        1735787045.678,
        Set(types[3], ["a"]),
        mk(rec, n=3),
    )
    return args, types


def test_json_composed_example(host):
    args, types = demo_args(host)
    payload = BrokerJsonV1Serializer().serialize_event("zscript::demo", args, types)
    expected = orjson.loads(COMPOSED)
    del expected["type"], expected["topic"]  # the WebSocket envelope's, not the payload's
    assert orjson.loads(payload) == expected
    assert payload.startswith(b'{"@data-type":"vector","data":[{"@data-type":"count","data":1},')
    # The example as a WebSocket client would send it decodes to the same values.
    name, got = BrokerJsonV1Serializer().deserialize_event(COMPOSED, lookup_in(host))
    assert name == "zscript::demo"
    assert all(eq(a, b) for a, b in zip(got, args, strict=True))


def test_json_event_matches_zeek_unit_test(host):
    # Zeek's serializer test (src/cluster/serializer/broker/Serializer.cc), without metadata.
    types = [STRING, COUNT]
    payload = BrokerJsonV1Serializer().serialize_event(
        "Supervisor::node_status", ("TEST", 42), types
    )
    assert payload == (
        b'{"@data-type":"vector","data":[{"@data-type":"count","data":1},'
        b'{"@data-type":"count","data":1},{"@data-type":"vector","data":['
        b'{"@data-type":"string","data":"Supervisor::node_status"},'
        b'{"@data-type":"vector","data":[{"@data-type":"string","data":"TEST"},'
        b'{"@data-type":"count","data":42}]}]}]}'
    )
    # With the metadata Zeek's test adds, the payload still decodes (metadata ignored).
    zeek = (
        b'{"@data-type":"vector","data":[{"@data-type":"count","data":1},{"@data-type":"count",'
        b'"data":1},{"@data-type":"vector","data":[{"@data-type":"string","data":'
        b'"Supervisor::node_status"},{"@data-type":"vector","data":[{"@data-type":"string",'
        b'"data":"TEST"},{"@data-type":"count","data":42}]},{"@data-type":"vector","data":['
        b'{"@data-type":"vector","data":[{"@data-type":"count","data":1},{"@data-type":'
        b'"timestamp","data":"1970-01-01T00:00:00.000"}]}]}]}]}'
    )
    assert BrokerJsonV1Serializer().deserialize_event(zeek, lookup_in(host)) == (
        "Supervisor::node_status",
        ("TEST", 42),
    )


# ======================================================================
# 2. broker-bin-v1


def bin_cases(host, T):
    R, Outer, Inner, Node = T["R"], T["Outer"], T["Inner"], T["Node"]
    t_comp = Table(T["t_comp"])
    t_comp[(1, "x")] = mk(R, n=3)
    t_comp[(2, "\xff")] = mk(R, n=4, note="n")
    t_rkey = Table(T["t_rkey"])
    t_rkey[mk(R, n=9)] = 1
    t_cs = Table(T["t_cs"])
    t_cs[1] = "one"
    chain = mk(Node, v=1, nxt=mk(Node, v=2, nxt=mk(Node, v=3)))
    v_any = Vector(
        T["v_any"],
        [Boxed(COUNT, 1), Boxed(INT, -1), Boxed(DOUBLE, 0.5), Boxed(TIME, 10.0), "s", True],
    )
    return [
        ("bool-T", BOOL, True),
        ("bool-F", BOOL, False),
        ("count", COUNT, 2**64 - 1),
        ("int", INT, -(2**63)),
        ("double", DOUBLE, -0.1),
        ("string", STRING, "plain"),
        ("string-bytes", STRING, "".join(map(chr, range(256))) * 2),
        ("time", TIME, 1735787045.678),
        ("time-neg", TIME, -1.25),
        ("interval", INTERVAL, 0.001),
        ("enum", T["Color"], host.enum_value("Ser::BLUE")),
        ("addr4", ADDR, addr("192.0.2.1")),
        ("addr6", ADDR, addr("2001:db8::ff")),
        ("subnet4", SUBNET, subnet("10.1.0.0/16")),
        ("subnet6", SUBNET, subnet("2001:db8::/48")),
        ("port-tcp", PORT, Port(443, "tcp")),
        ("port-udp", PORT, Port(53, "udp")),
        ("port-icmp", PORT, Port(8, "icmp")),
        ("port-unknown", PORT, Port(0, "unknown")),
        ("record-unset", R, mk(R, n=3)),
        ("record-full", R, mk(R, n=3, note="x")),
        ("record-nested", Outer, mk(Outer, name="o", inner=mk(Inner, a=1), tags=Set(T["s_str"]))),
        ("record-recursive", Node, chain),
        ("set", T["s_str"], Set(T["s_str"], ["a", "b", "\x80"])),
        ("set-addr", T["s_addr"], Set(T["s_addr"], [addr("10.0.0.1"), addr("::1")])),
        ("set-composite", T["s_two"], Set(T["s_two"], [(1, "a"), (2, "b")])),
        ("set-of-vectors", T["s_vec"], Set(T["s_vec"], [Vector(T["v_count"], [1, 2])])),
        ("table", T["t_cs"], t_cs),
        ("table-composite", T["t_comp"], t_comp),
        ("table-record-key", T["t_rkey"], t_rkey),
        ("vector", T["v_count"], Vector(T["v_count"], [1, 2, 3])),
        ("vector-empty", T["v_count"], Vector(T["v_count"])),
        ("vector-records", T["v_rec"], Vector(T["v_rec"], [mk(R, n=1), mk(R, n=2, note="b")])),
        ("vector-vectors", T["v_vv"], Vector(T["v_vv"], [Vector(VectorType(STRING), ["a"])])),
        ("vector-any", T["v_any"], v_any),
        ("pattern", PATTERN, Pattern("a[0-9]+b")),
        ("pattern-i", PATTERN, Pattern("abc", "i")),
        ("any-count", ANY, Boxed(COUNT, 5)),
        ("any-addr", ANY, addr("1.2.3.4")),
    ]


def test_binary_round_trips_every_type(host, T):
    for label, t, value in bin_cases(host, T):
        data = encode_data(value, t)
        back = decode_data(data, t)
        assert eq(back, value), (label, back, value)
        assert encode_data(back, t) == data, label


def test_binary_any_enum_and_function(host, T):
    codec_ser = BrokerBinV1Serializer(
        resolve_enum=host.enum_value, resolve_function=lambda n: host.global_value(n)
    )
    fn = host.global_value("double_it")
    red = host.enum_value("Ser::RED")
    data = encode_data(fn, T["f"])
    assert data == b"\x0e\x01\x05\x09double_it"
    assert decode_data(data, T["f"], codec_ser.codec) is fn
    assert decode_data(encode_data(red, ANY), ANY, codec_ser.codec) is red
    with pytest.raises(SerializationError):  # no resolver: enums in 'any' cannot be found
        decode_data(encode_data(red, ANY), ANY)


V4 = b"\x00" * 10 + b"\xff\xff"


def test_binary_hand_computed_bytes(host, T):
    # count: tag 2, u64 big-endian.
    assert encode_data(42, COUNT) == b"\x02" + b"\x00" * 7 + b"\x2a"
    # int -2: tag 3, two's complement i64.
    assert encode_data(-2, INT) == b"\x03" + b"\xff" * 7 + b"\xfe"
    # double 1.0: tag 4, IEEE 754 0x3ff0000000000000.
    assert encode_data(1.0, DOUBLE) == b"\x04\x3f\xf0" + b"\x00" * 6
    # string "TEST": tag 5, varbyte length 4, bytes; byte 0xE9 stays one byte.
    assert encode_data("TEST", STRING) == b"\x05\x04TEST"
    assert encode_data("\xe9", STRING) == b"\x05\x01\xe9"
    # 200 bytes: varbyte 200 = 0b1_1001000 -> low group 0x48|0x80 = 0xC8, then 0x01.
    assert encode_data("x" * 200, STRING) == b"\x05\xc8\x01" + b"x" * 200
    # addr 192.0.2.1: tag 6, v4-mapped ::ffff:c000:0201.
    assert encode_data(addr("192.0.2.1"), ADDR) == b"\x06" + V4 + b"\xc0\x00\x02\x01"
    # subnet 10.0.0.0/8: tag 7, v4-mapped network, length 8 + 96 = 104 = 0x68.
    assert encode_data(subnet("10.0.0.0/8"), SUBNET) == b"\x07" + V4 + b"\x0a\x00\x00\x00\x68"
    # subnet 2001:db8::/32: tag 7, the 16 bytes, length 32 = 0x20.
    six = ipaddress.ip_address("2001:db8::").packed
    assert encode_data(subnet("2001:db8::/32"), SUBNET) == b"\x07" + six + b"\x20"
    # port 443/tcp: tag 8, u16 0x01bb, proto 1; 53/udp proto 2; 0/unknown proto 0.
    assert encode_data(Port(443, "tcp"), PORT) == b"\x08\x01\xbb\x01"
    assert encode_data(Port(53, "udp"), PORT) == b"\x08\x00\x35\x02"
    assert encode_data(Port(0, "unknown"), PORT) == b"\x08\x00\x00\x00"
    # interval 1.5 s: tag 10, i64 1_500_000_000 ns = 0x59682F00.
    assert encode_data(1.5, INTERVAL) == b"\x0a\x00\x00\x00\x00\x59\x68\x2f\x00"
    # time 1.0: tag 9, i64 1_000_000_000 ns = 0x3B9ACA00.
    assert encode_data(1.0, TIME) == b"\x09\x00\x00\x00\x00\x3b\x9a\xca\x00"
    # enum: tag 11, varbyte length 8, the full name.
    assert encode_data(host.enum_value("Ser::RED"), T["Color"]) == b"\x0b\x08Ser::RED"
    # record [n=3, note unset]: vector (14) of 2: count 3, none (0).
    assert encode_data(mk(T["R"], n=3), T["R"]) == b"\x0e\x02\x02" + b"\x00" * 7 + b"\x03\x00"
    # set[count,string] {[1, "a"]}: set (12) of 1 composite key = vector of 2.
    s = Set(T["s_two"], [(1, "a")])
    assert encode_data(s, T["s_two"]) == b"\x0c\x01\x0e\x02\x02" + b"\x00" * 7 + b"\x01\x05\x01a"
    # table[count] of string {1: "one"}: table (13) of 1, key count 1, value string.
    t = Table(T["t_cs"])
    t[1] = "one"
    assert encode_data(t, T["t_cs"]) == b"\x0d\x01\x02" + b"\x00" * 7 + b"\x01\x05\x03one"
    # bool: tag 1, one byte.
    assert encode_data(True, BOOL) == b"\x01\x01"


# Zeek's own expected bytes (src/cluster/serializer/broker/Serializer.cc) for
# Supervisor::node_status("TEST", 42) with network-timestamp metadata 0.
ZEEK_NODE_STATUS = bytes.fromhex(
    "0e03020000000000000001020000000000000001"  # vector(3), count 1, count 1
    "0e03"  # the event: vector(3) = name, args, metadata
    "0517" + b"Supervisor::node_status".hex() + "0e02"  # name; args: vector(2)
    "050454455354" + "02000000000000002a"  # "TEST", count 42
    "0e010e02020000000000000001090000000000000000"  # [[count 1, timestamp 0]]
)


def test_binary_event_matches_zeek(host):
    ser = BrokerBinV1Serializer()
    payload = ser.serialize_event("Supervisor::node_status", ("TEST", 42), [STRING, COUNT])
    # Identical to Zeek's bytes except: no metadata, so the event vector has 2 elements.
    without_meta = ZEEK_NODE_STATUS[:-22].replace(b"\x0e\x03\x05\x17", b"\x0e\x02\x05\x17")
    assert payload == without_meta
    lookup = lookup_in(host)
    assert ser.deserialize_event(payload, lookup) == ("Supervisor::node_status", ("TEST", 42))
    assert ser.deserialize_event(ZEEK_NODE_STATUS, lookup) == (
        "Supervisor::node_status",
        ("TEST", 42),
    )


def all_args(host, T):
    ft = host.checker.globals["Ser::all"].type
    types = [p.type for p in ft.params]
    tc = Table(types[14])
    tc[(5, "k")] = mk(T["R"], n=5)
    args = (
        True,
        7,
        -7,
        2.25,
        "str\x00\xff",
        addr("2001:db8::2"),
        subnet("192.168.0.0/24"),
        Port(22, "tcp"),
        1700000000.5,
        30.0,
        host.enum_value("Ser::GREEN"),
        mk(T["R"], n=1),
        mk(
            T["Outer"],
            name="n",
            inner=mk(T["Inner"], a=2, b="b"),
            tags=Set(T["s_str"], ["x"]),
            seen=1.0,
        ),
        Set(types[13], ["p", "q"]),
        tc,
        Vector(types[15], [mk(T["R"], n=2), mk(T["R"], n=3, note="three")]),
        Pattern("^x+$"),
        Boxed(INTERVAL, 2.5),
    )
    return "Ser::all", args, types


@pytest.mark.parametrize("cls", [BrokerBinV1Serializer, BrokerJsonV1Serializer])
def test_event_round_trip_all_types(host, T, cls):
    name, args, types = all_args(host, T)
    ser = cls()
    payload = ser.serialize_event(name, args, types)
    got_name, got = ser.deserialize_event(payload, lookup_in(host))
    assert got_name == name
    for a, b in zip(got, args, strict=True):
        assert eq(a, b), (a, b)


def test_record_redef_is_picked_up():
    rt = RecordType([Field("a", COUNT)], name="Redef")
    v = mk(rt, a=1)
    assert decode_data(encode_data(v, rt), rt) == v
    rt.add_field(Field("b", STRING, {"&optional": None}))
    v2 = mk(rt, a=1, b="x")
    assert encode_data(v2, rt) == b"\x0e\x02\x02" + b"\x00" * 7 + b"\x01\x05\x01x"
    assert to_broker_json(v2, rt) == jv("vector", [jv("count", 1), jv("string", "x")])


def test_zeek_accepts_records_with_extra_elements_and_one_element_keys(T):
    # Extra vector elements after the declared fields are ignored (Data.cc).
    extra = b"\x0e\x03\x02" + b"\x00" * 7 + b"\x03\x00\x05\x01z"
    assert decode_data(extra, T["R"]) == mk(T["R"], n=3)
    # A one-index set element may arrive wrapped in a one-element vector.
    wrapped = b"\x0c\x01\x0e\x01\x05\x01a"
    assert decode_data(wrapped, T["s_str"]) == Set(T["s_str"], ["a"])


@pytest.mark.parametrize(
    ("value", "t"),
    [
        ("too wide \u0100", STRING),
        ("not a count", COUNT),
        (2**64, COUNT),
        (float("nan"), TIME),
        (Vector(VectorType(COUNT), [1, None]), VectorType(COUNT)),
        (object(), ANY),
    ],
)
@pytest.mark.parametrize("cls", [BrokerBinV1Serializer, BrokerJsonV1Serializer])
def test_serialize_errors(cls, value, t):
    with pytest.raises(SerializationError):
        cls().serialize_event("e", (value,), [t])


@pytest.mark.parametrize("cls", [BrokerBinV1Serializer, BrokerJsonV1Serializer])
def test_deserialize_errors_are_zeek_like(host, T, cls):
    ser = cls()
    lookup = lookup_in(host)
    with pytest.raises(SerializationError, match=r"^Failed to lookup handler for 'nope'$"):
        ser.deserialize_event(ser.serialize_event("nope", (), []), lookup)
    one = ser.serialize_event("Ser::node_status", ("x",), [STRING])
    with pytest.raises(
        SerializationError,
        match=r"^Unserialize error 'Ser::node_status' arg_types.size\(\)=2 and args.size\(\)=1$",
    ):
        ser.deserialize_event(one, lookup)
    wrong = ser.serialize_event("Ser::node_status", ("x", "y"), [STRING, STRING])
    with pytest.raises(
        SerializationError,
        match=r"^Unserialize error for event 'Ser::node_status': broker value 'y' "
        r"type 'string' to Zeek type 'count count' failed$",
    ):
        ser.deserialize_event(wrong, lookup)
    with pytest.raises(SerializationError):
        ser.serialize_event("e", (1, 2), [COUNT])


def test_lookup_exceptions_propagate():
    ser = BrokerBinV1Serializer()
    payload = ser.serialize_event("e", (), [])

    def broken(name):
        raise KeyError("host bug")

    with pytest.raises(KeyError):
        ser.deserialize_event(payload, broken)


# ======================================================================
# 3. Fuzzing: only SerializationError, never a hang or a huge allocation


def corpus(host, T):
    out = []
    name, args, types = all_args(host, T)
    out.append((name, args, types))
    out.append(("Supervisor::node_status", ("TEST", 42), [STRING, COUNT]))
    demo, demo_types = demo_args(host)
    out.append(("zscript::demo", demo, demo_types))
    return out


def mutations(payload: bytes, rng: random.Random, n: int):
    for i in range(len(payload)):  # every truncation
        yield payload[:i]
    for _ in range(n):
        b = bytearray(payload)
        kind = rng.randrange(5)
        pos = rng.randrange(len(b))
        if kind == 0:
            b[pos] = rng.randrange(256)
        elif kind == 1:
            b[pos] ^= 1 << rng.randrange(8)
        elif kind == 2:
            del b[pos : pos + rng.randrange(1, 8)]
        elif kind == 3:
            b[pos:pos] = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 6)))
        else:
            b[pos:pos] = b[rng.randrange(len(b)) :][: rng.randrange(1, 40)]
        yield bytes(b)


@pytest.mark.parametrize("cls", [BrokerBinV1Serializer, BrokerJsonV1Serializer])
def test_fuzz_mutations_only_raise_serialization_error(host, T, cls):
    rng = random.Random(1234)
    ser = cls(resolve_enum=host.enum_value)
    lookup = lookup_in(host)
    count = decoded = 0
    start = time.monotonic()
    for name, args, types in corpus(host, T):
        payload = ser.serialize_event(name, args, types)
        for bad in mutations(payload, rng, 1500):
            count += 1
            try:
                ser.deserialize_event(bad, lookup)
                decoded += 1
            except SerializationError:
                pass
    assert count > 3000
    assert decoded < count
    assert time.monotonic() - start < 60


def test_binary_fast_receiver_agrees_with_the_full_path(host, T):
    """The receive path's shortcut (``fast_receiver``) takes only what the
    full path decodes, to the same arguments, and declines everything else
    without emitting anything."""
    rng = random.Random(4321)
    ser = BrokerBinV1Serializer(resolve_enum=host.enum_value)
    lookup = lookup_in(host)
    emitted: list = []
    asked: list = []

    def route(name, ftype):
        asked.append(name)
        assert ftype is lookup(name)
        return None if name == "zscript::demo" else ("to", name)

    receive = ser.fast_receiver(route, emitted.append)
    taken = declined = 0
    for name, args, types in corpus(host, T):
        payload = ser.serialize_event(name, args, types)
        assert not receive(payload), "taken before the full path decoded it once"
        _, full, meta = ser.deserialize_event_meta(payload, lookup)
        assert meta is None
        if name == "zscript::demo":
            assert not receive(payload) and not emitted  # its route said no
            continue
        for _ in range(3):
            assert receive(payload)
            ((target, got),) = emitted
            emitted.clear()
            assert target == ("to", name)
            assert all(eq(a, b) for a, b in zip(got, full, strict=True))
        for bad in mutations(payload, rng, 1500):
            took = receive(bad)
            try:
                expected = ser.deserialize_event_meta(bad, lookup)
            except SerializationError:
                expected = None
            if not took:
                assert not emitted
                declined += 1
                continue
            taken += 1
            ((target, got),) = emitted
            emitted.clear()
            assert expected is not None and expected[2] is None, bad
            assert target == ("to", expected[0])
            assert all(eq(a, b) for a, b in zip(got, expected[1], strict=True)), bad
    assert taken > 0 and declined > 0
    # Asked once per kind of payload (name and argument count), not per message.
    assert asked.count("Ser::all") == 1 and asked.count("zscript::demo") == 1
    # Metadata, another envelope, wrong types of payload: the full path's.
    status = ser.serialize_event("Supervisor::node_status", ("x", 1), [STRING, COUNT])
    stamped = ser.serialize_event(
        "Supervisor::node_status", ("x", 1), [STRING, COUNT], ((1, 12.5),)
    )
    assert receive(status) and emitted.pop()
    for other in (stamped, memoryview(status), bytearray(status), b"", status[:12], None):
        assert not receive(other) and not emitted


def json_junk(rng: random.Random):
    return rng.choice(
        [None, True, 1.5, -1, 2**70, "x", "", [], {}, {"@data-type": "vector"}, [1, [2]],
         {"@data-type": "count", "data": -1}, {"@data-type": "real", "data": "1"},
         {"@data-type": "timespan", "data": "1e999s"}, {"@data-type": "port", "data": "99999/tcp"},
         {"@data-type": "subnet", "data": "1.2.3.4"}, {"@data-type": "bogus", "data": 1}]
    )  # fmt: skip


def structural_mutations(obj, rng: random.Random, n: int):
    """Replace one random node of the parsed JSON with junk, ``n`` times.

    Every other mutation starts from the event arguments, so both the
    envelope and the values get their share.
    """
    for i in range(n):
        copy = loads(dumps(obj))
        node, path = copy, []
        if i % 2:
            args = copy["data"][2]["data"][1]
            node, path = args["data"], [(args, "data")]
        while isinstance(node, dict | list) and node and rng.random() < 0.9:
            key = rng.choice(list(node)) if isinstance(node, dict) else rng.randrange(len(node))
            path.append((node, key))
            node = node[key]
        if path:
            parent, key = path[-1]
            parent[key] = json_junk(rng)
        yield dumps(copy)


def test_fuzz_json_structure(host, T):
    rng = random.Random(99)
    ser = BrokerJsonV1Serializer()
    lookup = lookup_in(host)
    n = 0
    for name, args, types in corpus(host, T):
        obj = loads(ser.serialize_event(name, args, types))
        for bad in structural_mutations(obj, rng, 700):
            n += 1
            try:
                ser.deserialize_event(bad, lookup)
            except SerializationError:
                pass
    assert n >= 2000


HEADER = bytes.fromhex("0e03020000000000000001020000000000000001") + b"\x0e\x02"


def bin_event(name: bytes, args_body: bytes, nargs: int) -> bytes:
    return HEADER + b"\x05" + bytes([len(name)]) + name + b"\x0e" + bytes([nargs]) + args_body


@pytest.mark.parametrize(
    "payload",
    [
        b"",
        b"\x0e",
        b"\x0e\xff\xff\xff\xff\x0f",  # outer vector claiming 4 billion elements
        b"\x0e\xff\xff\xff\xff\xff\xff\x01",  # varbyte longer than 5 bytes
        HEADER + b"\x05\xff\xff\xff\xff\x0fTEST",  # name length beyond the payload
        bin_event(b"Ser::node_status", b"\x05\xff\xff\xff\x7fx" + b"\x02" + b"\x00" * 8, 2),
        bin_event(b"Ser::types", b"\x0c\xff\xff\xff\xff\x0f", 12),  # huge set count
        bin_event(b"Ser::node_status", b"\x05\x01x\x02" + b"\x00" * 8, 2) + b"\x00",  # trailing
        bin_event(b"Ser::node_status", b"\x05\x01x\x08\x00\x01\x07", 2),  # port proto 7
        bin_event(b"Ser::all", b"\x0e\x01" * 100000, 18),  # deeply nested vectors
        bin_event(b"zscript::demo", b"\x07" + V4 + b"\x0a\x00\x00\x00\x10", 5),  # v4 len < 96
    ],
)
def test_binary_hostile_payloads(host, payload):
    with pytest.raises(SerializationError):
        BrokerBinV1Serializer().deserialize_event(payload, lookup_in(host))


def test_binary_deep_any_nesting(host):
    # ``vector of any`` decodes untyped data: nesting is capped, never a RecursionError.
    ft_types = [VectorType(ANY)]
    deep = HEADER + b"\x05\x01e" + b"\x0e\x01" + b"\x0e\x01" * 5000 + b"\x00"
    with pytest.raises(SerializationError):
        BrokerBinV1Serializer().deserialize_event(deep, lambda n: _event(ft_types))


def _event(types):
    from zscript.types import VOID, FuncType, Param

    return FuncType("event", [Param(f"a{i}", t) for i, t in enumerate(types)], VOID)


@pytest.mark.parametrize(
    "payload",
    [
        b"",
        b"null",
        b"[]",
        b"{",
        b'{"@data-type":"vector","data":[]}',
        b"[" * 100000,
        b'{"@data-type":"vector","data":[' + b'{"@data-type":"vector","data":[' * 3000,
        b"\xff\xfe",
    ],
)
def test_json_hostile_payloads(host, payload):
    with pytest.raises(SerializationError):
        BrokerJsonV1Serializer().deserialize_event(payload, lookup_in(host))


def test_json_deep_any_nesting():
    inner = '{"@data-type":"vector","data":[' * 500 + "]}" * 500
    payload = (
        '{"@data-type":"vector","data":[{"@data-type":"count","data":1},'
        '{"@data-type":"count","data":1},{"@data-type":"vector","data":['
        '{"@data-type":"string","data":"e"},{"@data-type":"vector","data":[' + inner + "]}]}]}"
    ).encode()
    with pytest.raises(SerializationError):
        BrokerJsonV1Serializer().deserialize_event(payload, lambda n: _event([ANY]))


# ======================================================================
# 4. What real clients send


def json_event(name: str, *args) -> bytes:
    return orjson.dumps(
        jv("vector", [jv("count", 1), jv("count", 1), jv("vector", [jv("string", name), jv("vector", list(args))])])
    )  # fmt: skip


def test_zeekpy_style_inputs(host, T):
    ser = BrokerJsonV1Serializer()
    ev = _event([INTERVAL, TIME, TIME, DOUBLE, COUNT, PORT, INTERVAL, INTERVAL, INTERVAL])
    payload = json_event(
        "zeekpy",
        jv("timespan", "1500000000.0ns"),  # zeekpy: float nanoseconds
        jv("timestamp", "2025-01-02T03:04:05.678000+00:00"),  # microseconds and a zone
        jv("timestamp", "2025-01-02T05:04:05+02:00"),  # no fraction, other zone
        jv("real", 2),  # an integer where a real is expected
        jv("integer", 5),  # a plain Python int for a count
        jv("port", "8080"),  # no protocol: tcp
        jv("timespan", "2min"),
        jv("timespan", "1h"),
        jv("timespan", "1d"),
    )
    name, args = ser.deserialize_event(payload, lambda n: ev)
    assert name == "zeekpy"
    assert args[0] == 1.5
    assert args[1] == 1735787045.678
    assert args[2] == 1735787045.0
    assert args[3] == 2.0 and type(args[3]) is float
    assert args[4] == 5
    assert args[5] == Port(8080, "tcp")
    assert args[6:] == (120.0, 3600.0, 86400.0)


def test_zeek_written_json_quirks():
    # Zeek escapes only \\ \" \b \f \n \r \t \v and writes other bytes raw.
    raw = b'{"@data-type":"string","data":"a\\vb\x01c\xe9\\\\v"}'
    assert from_broker_json(loads(raw), STRING) == "a\x0bb\x01c\xe9\\v"
    # Zeek writes reals with %f.
    assert from_broker_json(loads(b'{"@data-type":"real","data":1.500000}'), DOUBLE) == 1.5
    # A zone-less time is UTC; a \\u escape is stored as UTF-8, as CAF does.
    t = from_broker_json(jv("timestamp", "1970-01-01T01:18:31.000"), TIME)
    assert t == 4711.0
    assert from_broker_json(jv("string", "\u00e9"), STRING) == "\xc3\xa9"


@pytest.mark.parametrize(
    ("obj", "t"),
    [
        (jv("count", 1.0), COUNT),  # a decimal point is an error for count
        (jv("count", -1), COUNT),
        (jv("integer", 2**63), INT),
        (jv("boolean", 1), BOOL),
        (jv("timespan", "5 parsecs"), INTERVAL),
        (jv("timestamp", "2025-13-01T00:00:00"), TIME),
        (jv("address", "300.1.1.1"), ADDR),
        (jv("enum-value", "Ser::PURPLE"), None),
        (jv("vector", [jv("count", 1)]), None),  # record R needs 2 fields
        (jv("set", [jv("string", "a"), jv("string", "a")]), None),  # duplicate element
    ],
)
def test_json_rejects(T, obj, t):
    if t is None:
        t = {"enum-value": T["Color"], "vector": T["R"], "set": T["s_str"]}[obj["@data-type"]]
    with pytest.raises(SerializationError):
        from_broker_json(obj, t)


# ======================================================================
# Registry


def test_registry_builtins():
    assert {"broker-bin-v1", "broker-json-v1"} <= set(available_serializers())
    assert isinstance(get_serializer("broker-bin-v1"), BrokerBinV1Serializer)
    assert isinstance(get_serializer("broker-json-v1"), BrokerJsonV1Serializer)
    assert get_serializer("broker-bin-v1").name == "broker-bin-v1"
    with pytest.raises(LookupError, match="unknown event serializer 'nope'"):
        get_serializer("nope")


def test_registry_entry_points_declared_in_pyproject():
    data = tomllib.loads((Path(__file__).parent.parent / "pyproject.toml").read_text())
    eps = data["project"]["entry-points"][ENTRY_POINT_GROUP]
    assert eps == {
        "broker-bin-v1": "zscript.cluster.serializers.bin_v1:BrokerBinV1Serializer",
        "broker-json-v1": "zscript.cluster.serializers.json_v1:BrokerJsonV1Serializer",
    }


def test_registry_uses_entry_points(monkeypatch):
    class Custom(EventSerializer):
        name = "custom-v1"

        def _do_serialize_event(self, name, args, arg_types):
            return name.encode()

        def _do_deserialize_event(self, payload, lookup):
            return payload.decode(), ()

    class EP:
        name = "custom-v1"

        def load(self):
            return Custom

    monkeypatch.setattr(base_mod, "_entry_points", lambda: {"custom-v1": EP()})
    ser = get_serializer("custom-v1")
    assert isinstance(ser, Custom)
    assert ser.deserialize_event(ser.serialize_event("x", (), []), lambda n: None) == ("x", ())
    assert "custom-v1" in available_serializers()


def test_struct_layout_assumption():
    # The header the fuzz tests build by hand is what the serializer writes.
    payload = BrokerBinV1Serializer().serialize_event("e", (), [])
    assert payload == HEADER + b"\x05\x01e\x0e\x00"
