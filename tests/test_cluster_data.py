"""Values received in ``any`` arguments are Zeek's ``Broker::Data`` records.

A manager and a worker exchange events with ``any`` arguments
(``tests/cluster/anydata.zs``): the receiver sees ``Broker::Data`` printed
as ``broker::data{...}``, converts it with ``is``/``as`` like Zeek's
``castTo``, and can publish it again unchanged.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from zscript.cluster.serializers import get_serializer
from zscript.cluster.serializers._data import BrokerData, unwrap_data
from zscript.diagnostics import SourceFile
from zscript.host import Host
from zscript.runtime.containers import Vector
from zscript.runtime.describe import describe
from zscript.runtime.values import Boxed, record_class
from zscript.types import COUNT

SCRIPT = Path(__file__).parent / "cluster" / "anydata.zs"

EXPECTED = {
    "count": ("broker::data{41}", "count 42"),
    "string": ("broker::data{hi}", "string hi"),
    "vector": ("broker::data{(1, 2, 3)}", "vector [1, 2, 3]"),
    "record": ("broker::data{(7, nil)}", "record 7 F"),
    "time": ("broker::data{42000000000ns}", "time 42.0"),
}


def test_any_arguments_arrive_as_broker_data(local_cluster):
    c = local_cluster({"manager": "manager", "worker-1": "worker"})
    c.start_all([SCRIPT])
    worker = c.wait_for("worker-1", "echo ", count=len(EXPECTED), timeout=40)
    manager = c.output("manager")
    for what, (text, converted) in EXPECTED.items():
        assert f"got {what} Broker::Data [data={text}]" in manager, manager
        assert f"as {converted}" in manager
        assert f"echo {converted}" in worker, worker
    assert manager.count("is string: F") == 4
    assert manager.count("is string: T") == 1


# ---------------------------------------------------------------- units

_SCRIPT = """
module D;
export {
    type R: record { c: count; s: string &optional; };
    global ev: event(v: any);
}
"""


@pytest.fixture(scope="module")
def host():
    h = Host(virtual_time=True, stdout=io.StringIO(), stderr=io.StringIO())
    h.load_source(SourceFile("d.zs", _SCRIPT))
    assert not h.failed, h.diagnostics
    return h


def _serializer(host, fmt):
    rt = host.script_type("Broker::Data")
    make = record_class(rt)._zmake
    return get_serializer(
        fmt,
        resolve_enum=host.enum_value,
        make_data=lambda node: make({"f_data": BrokerData(node, host.enum_value)}),
    )


def _types(host):
    return [p.type for p in host.checker.globals["D::ev"].type.params]


@pytest.mark.parametrize("fmt", ["broker-bin-v1", "broker-json-v1"])
def test_received_any_is_broker_data_and_goes_back_unchanged(host, fmt):
    ser = _serializer(host, fmt)
    types = _types(host)
    rt = host.script_type("D::R")
    rec = record_class(rt)._zmake({"f_c": 7})  # s unset: a none on the wire
    payload = ser.serialize_event("D::ev", [rec], types)
    name, args = ser.deserialize_event(payload, lambda n: host.checker.globals[n].type)
    (v,) = args
    data = unwrap_data(v)
    assert name == "D::ev" and data is not None
    assert describe(v, host.script_type("Broker::Data")) == "[data=broker::data{(7, nil)}]"
    back = data.cast_to(rt)
    assert back.f_c == 7 and getattr(back, "f_s", None) is None
    with pytest.raises(ValueError):
        data.cast_to(COUNT)
    # Published again, it is the same data.
    assert ser.serialize_event("D::ev", [v], types) == payload


def test_broker_data_casts(host):
    ser = _serializer(host, "broker-bin-v1")
    types = _types(host)
    for value, text in (
        (Boxed(COUNT, 3), "3"),
        ("x", "x"),
        (Vector(host.script_type("index_vec"), [1, 2]), "(1, 2)"),
        (2.5, "2.500000"),  # std::to_string, as in Zeek's broker.store.clone baseline
    ):
        payload = ser.serialize_event("D::ev", [value], types)
        _, (v,) = ser.deserialize_event(payload, lambda n: host.checker.globals[n].type)
        assert unwrap_data(v).zeek_describe() == "broker::data{" + text + "}"
