"""The mergeable opaques (HyperLogLog and top-k counters) on broker-bin-v1:
what SumStats' workers send the manager must come out as the same counter,
and a payload that is not one must be refused with an error, not a crash."""

from __future__ import annotations

import io

import pytest

from zscript.cluster.serializers import SerializationError
from zscript.cluster.serializers._bin_codec import BinCodec
from zscript.cluster.serializers.bin_v1 import decode_data, encode_data
from zscript.diagnostics import SourceFile
from zscript.host import Host
from zscript.runtime.builtins.probabilistic import CardinalityCounter, TopK
from zscript.runtime.values import Boxed, record_class, unbox
from zscript.types import COUNT, STRING, OpaqueType

SCRIPT = """
module W;
export { type Obs: record { num: count &optional; str: string &optional; }; }
"""

CARD = OpaqueType("cardinality")
TOPK = OpaqueType("topk")


@pytest.fixture(scope="module")
def host():
    h = Host(virtual_time=True, stdout=io.StringIO(), stderr=io.StringIO())
    h.load_source(SourceFile("w.zs", SCRIPT))
    assert not h.failed, h.diagnostics
    return h


@pytest.fixture(scope="module")
def codec(host):
    return BinCodec(resolve_enum=host.enum_value, resolve_type=host.script_type)


def test_cardinality_round_trip(codec):
    c = CardinalityCounter(64)
    for h in (1 << 40, 12345678901, 3 << 50, 987654321987):
        c.add_hash(h)
    back = decode_data(encode_data(c, CARD, codec), CARD, codec)
    assert isinstance(back, CardinalityCounter)
    assert back.m == 64 and bytes(back.buckets) == bytes(c.buckets)
    assert back.size() == c.size() and back.empty == c.empty


def test_topk_of_records_round_trip(host, codec):
    rt = host.script_type("W::Obs")
    make = record_class(rt)._zmake
    t = TopK(3)
    obs = [make({"f_num": n}) for n in (1, 2, 2, 3, 3, 3, 4)]
    for o in obs:
        t.encountered(None, o)
    back = decode_data(encode_data(t, TOPK, codec), TOPK, codec)
    assert back.size == 3 and back.elem_type is rt
    assert [(n, [(eps, v.f_num) for eps, v in es]) for n, es in back.state()] == [
        (n, [(eps, v.f_num) for eps, v in es]) for n, es in t.state()
    ]
    # The decoded counter keeps counting as the original does.
    for c in (back, t):
        c.encountered(None, make({"f_num": 3}))
    assert [e.f_num for e in back.top(1)] == [e.f_num for e in t.top(1)] == [3]


@pytest.mark.parametrize("elem_type", [COUNT, STRING])
def test_topk_of_basic_values_and_empty(codec, elem_type):
    t = TopK(5)
    assert decode_data(encode_data(t, TOPK, codec), TOPK, codec).state() == []
    values = (
        [Boxed(COUNT, 1), Boxed(COUNT, 1), Boxed(COUNT, 2)] if elem_type is COUNT else list("aab")
    )
    for v in values:
        t.encountered(None, v)
    back = decode_data(encode_data(t, TOPK, codec), TOPK, codec)
    assert back.elem_type == elem_type

    def plain(c):
        return [(n, [(eps, unbox(v)) for eps, v in es]) for n, es in c.state()]

    assert plain(back) == plain(t) and back.top(1) == t.top(1)


def test_refused_payloads(host, codec):
    c = CardinalityCounter(64)
    data = encode_data(c, CARD, codec)
    with pytest.raises(SerializationError):  # declared topk, sent cardinality
        decode_data(data, TOPK, codec)
    with pytest.raises(SerializationError):  # truncated
        decode_data(data[:-3], CARD, codec)
    bad = encode_data(CardinalityCounter(64), CARD, codec).replace(b"\x00" * 10, b"\xff" * 10, 1)
    with pytest.raises(SerializationError):  # registers out of range
        decode_data(bad, CARD, codec)
    # A record element type the receiver does not know.
    t = TopK(2)
    t.encountered(None, record_class(host.script_type("W::Obs"))._zmake({"f_num": 1}))
    data = encode_data(t, TOPK, codec)
    with pytest.raises(SerializationError):
        decode_data(data, TOPK, BinCodec())
