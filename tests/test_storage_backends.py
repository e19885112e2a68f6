"""Storage backends and the JSON serializer, driven from Python.

The memory, SQLite and NATS key-value backends run the same contract
table (NATS against a real ``nats-server``, see ``natsutil``); SQLite adds
its file format (Zeek's schema and ``JSONv1`` bytes), faults (missing
directory, corrupt file, busy database) and the ordering of mixed
synchronous and asynchronous calls.
"""

from __future__ import annotations

import sqlite3
import threading

import pytest

from zscript.runtime.addresses import make_addr, make_port, make_subnet
from zscript.runtime.containers import Set, Table, Vector
from zscript.runtime.values import Boxed, box, record_class, unbox
from zscript.storage.backend import OperationResult, ReturnCode
from zscript.storage.manager import load_plugin
from zscript.storage.memory import MemoryBackend
from zscript.storage.serializers import JSONSerializer, SerializationError
from zscript.storage.sqlite import DEFAULT_PRAGMAS, SQLiteBackend
from zscript.types import (
    ADDR,
    COUNT,
    DOUBLE,
    INTERVAL,
    PORT,
    STRING,
    SUBNET,
    TIME,
    Field,
    RecordType,
    TableType,
    VectorType,
)

NOW = 1_700_000_000.0


def sqlite_config(path, **extra) -> dict:
    cfg = {
        "database_path": str(path),
        "table_name": "testing",
        "busy_timeout": 1.0,
        "pragma_commands": dict(DEFAULT_PRAGMAS),
        "pragma_timeout": 0.2,
        "pragma_wait_on_busy": 0.005,
        "expire_interval": 0.0,
    }
    cfg.update(extra)
    return cfg


def nats_config(url: str, **extra) -> dict:
    cfg = {
        "url": url,
        "bucket": "testing",
        "key_prefix": "t",
        "bucket_ttl": 0.0,
        "replicas": 1,
        "connect_timeout": 2.0,
        "operation_timeout": 2.0,
    }
    cfg.update(extra)
    return cfg


def _make_backend(kind: str, request, tmp_path):
    if kind == "memory":
        return MemoryBackend(), {}
    if kind == "sqlite":
        return SQLiteBackend(), sqlite_config(tmp_path / "t.sqlite")
    from zscript.storage.nats import NATSBackend

    return NATSBackend(), nats_config(request.getfixturevalue("nats_server").default.url)


@pytest.fixture(params=["memory", "sqlite", "nats"])
def backend(request, tmp_path):
    b, cfg = _make_backend(request.param, request, tmp_path)
    r = b.open(cfg, STRING, COUNT, JSONSerializer())
    assert r.ok, r
    yield b
    b.close()
    b.shutdown_executor()


def c(n: int) -> Boxed:
    return box(n, COUNT)


def test_put_get_erase_contract(backend):
    assert backend.put("a", c(1), now=NOW).code == ReturnCode.SUCCESS
    r = backend.get("a", NOW)
    assert r.code == ReturnCode.SUCCESS and unbox(r.value) == 1 and r.value.t is COUNT
    assert backend.put("a", c(2), overwrite=False, now=NOW).code == ReturnCode.KEY_EXISTS
    assert unbox(backend.get("a", NOW).value) == 1
    assert backend.put("a", c(3), overwrite=True, now=NOW).ok
    assert unbox(backend.get("a", NOW).value) == 3
    assert backend.get("missing", NOW).code == ReturnCode.KEY_NOT_FOUND
    assert backend.erase("a").ok
    assert backend.erase("a").ok  # erasing a missing key succeeds, as in Zeek
    assert backend.get("a", NOW).code == ReturnCode.KEY_NOT_FOUND


def test_type_mismatch_and_closed(backend):
    assert backend.put(c(1), c(1), now=NOW).code == ReturnCode.KEY_TYPE_MISMATCH
    assert backend.put("k", "text", now=NOW).code == ReturnCode.VAL_TYPE_MISMATCH
    assert backend.get(c(5), NOW).code == ReturnCode.KEY_TYPE_MISMATCH
    assert backend.erase(c(5)).code == ReturnCode.KEY_TYPE_MISMATCH
    backend.close()
    r = backend.put("k", c(1), now=NOW)
    assert (r.code, r.error_str) == (ReturnCode.NOT_CONNECTED, "Backend is closed")
    m = backend.metrics.results
    assert m[("put", "error")] == 2 and m[("get", "error")] == 1


def test_expiry_hides_then_sweeps(backend):
    backend.put("short", c(1), expire_time=2.0, now=NOW)
    backend.put("long", c(2), expire_time=20.0, now=NOW)
    backend.put("never", c(3), now=NOW)
    assert backend.get("short", NOW + 1).ok
    # Hidden as soon as the time passes, before any sweep.
    assert backend.get("short", NOW + 2.5).code == ReturnCode.KEY_NOT_FOUND
    # An expired entry may be overwritten without overwrite=T.
    assert backend.put("short", c(9), overwrite=False, expire_time=1.0, now=NOW + 3).ok
    assert backend.expire(NOW + 5) == 1
    assert backend.get("long", NOW + 5).ok and backend.get("never", NOW + 500).ok
    assert backend.metrics.expired_entries == 1


def test_async_calls_complete_in_order(backend):
    futs = [backend.put_async("k", c(i), now=NOW) for i in range(50)]
    got = backend.get_async("k", NOW)
    assert all(f.result(5).ok for f in futs)
    assert unbox(got.result(5).value) == 49
    # A synchronous call after queued asynchronous ones sees their effect.
    backend.put_async("k", c(100), now=NOW)
    assert unbox(backend.get("k", NOW).value) == 100


def test_plugins_by_entry_point_name():
    assert load_plugin("zscript.storage_backends", "STORAGE_BACKEND_SQLITE") is SQLiteBackend
    assert load_plugin("zscript.storage_backends", "STORAGE_BACKEND_MEMORY") is MemoryBackend
    assert load_plugin("zscript.storage_backends", "STORAGE_BACKEND_NOPE") is None
    from zscript.storage.nats import NATSBackend

    assert load_plugin("zscript.storage_backends", "STORAGE_BACKEND_NATS") is NATSBackend
    assert load_plugin("zscript.storage_serializers", "STORAGE_SERIALIZER_JSON") is JSONSerializer


# ---------------------------------------------------------------- SQLite


def test_sqlite_file_is_zeeks_format(tmp_path):
    path = tmp_path / "z.sqlite"
    b = SQLiteBackend()
    assert b.open(sqlite_config(path), STRING, STRING, JSONSerializer()).ok
    assert b.put("key1234", "value5678", expire_time=5.0, now=NOW).ok
    b.close()
    db = sqlite3.connect(path)
    cols = [r[1] for r in db.execute("pragma table_info(testing)")]
    assert cols == ["key_str", "value_str", "expire_time"]
    assert db.execute("select * from testing").fetchall() == [
        (b'JSONv1;"key1234"', b'JSONv1;"value5678"', NOW + 5.0)
    ]
    assert db.execute("pragma journal_mode").fetchone()[0] == "wal"
    assert db.execute("select ukey from zeek_storage_expiry_runs").fetchall() == [("testing",)]
    # A row written by Zeek reads back.
    db.execute("insert into testing values (?, ?, 0)", (b'JSONv1;"zk"', b'JSONv1;"zv"'))
    db.commit()
    db.close()
    b = SQLiteBackend()
    assert b.open(sqlite_config(path), STRING, STRING, JSONSerializer()).ok
    assert b.get("zk", NOW).value == "zv"
    b.close()


def test_sqlite_missing_directory(tmp_path):
    b = SQLiteBackend()
    r = b.open(
        sqlite_config(tmp_path / "no" / "such" / "t.sqlite"), STRING, STRING, JSONSerializer()
    )
    assert r.code == ReturnCode.OPERATION_FAILED
    assert r.error_str == "SQLite call failed: unable to open database file"
    assert not b.is_open


def test_sqlite_corrupt_file(tmp_path):
    path = tmp_path / "bad.sqlite"
    path.write_bytes(b"this is not an sqlite database" * 200)
    b = SQLiteBackend()
    r = b.open(sqlite_config(path), STRING, STRING, JSONSerializer())
    assert r.code == ReturnCode.INITIALIZATION_FAILED
    assert "file is not a database" in r.error_str
    assert path.read_bytes().startswith(b"this is not")  # left alone


def test_sqlite_shared_file_two_tables(tmp_path):
    path = tmp_path / "multi.sqlite"
    a, b = SQLiteBackend(), SQLiteBackend()
    assert a.open(sqlite_config(path, table_name="t1"), STRING, STRING, JSONSerializer()).ok
    assert b.open(sqlite_config(path, table_name="t2"), STRING, STRING, JSONSerializer()).ok
    a.put("k", "from a", now=NOW)
    b.put("k", "from b", now=NOW)
    assert (a.get("k", NOW).value, b.get("k", NOW).value) == ("from a", "from b")
    a.close()
    b.close()


def test_sqlite_busy_database_times_out(tmp_path):
    path = tmp_path / "busy.sqlite"
    b = SQLiteBackend()
    assert b.open(sqlite_config(path, busy_timeout=0.05), STRING, STRING, JSONSerializer()).ok
    locker = sqlite3.connect(path, isolation_level=None)
    locker.execute("begin exclusive")
    r = b.put("k", "v", now=NOW)
    assert r.code == ReturnCode.TIMEOUT, r
    locker.execute("rollback")
    assert b.put("k", "v", now=NOW).ok
    locker.close()
    b.close()


def test_sqlite_async_runs_off_the_calling_thread(tmp_path):
    b = SQLiteBackend()
    assert b.open(sqlite_config(tmp_path / "a.sqlite"), STRING, STRING, JSONSerializer()).ok
    seen = []
    original = b._do_put

    def spy(*args):
        seen.append(threading.current_thread() is threading.main_thread())
        return original(*args)

    b._do_put = spy
    assert b.put_async("k", "v", now=NOW).result(5).ok
    assert b.put("k2", "v", now=NOW).ok
    assert seen == [False, True]
    b.close()
    b.shutdown_executor()


def test_backend_fault_becomes_a_result(tmp_path):
    b = MemoryBackend()
    b.open({}, STRING, STRING, JSONSerializer())

    def boom(*_a):
        raise RuntimeError("disk on fire")

    b._do_get = boom
    r = b.get("k", NOW)
    assert r == OperationResult(ReturnCode.OPERATION_FAILED, "RuntimeError: disk on fire")


# ------------------------------------------------------------ serializer

_RT = RecordType(
    [
        Field("s", STRING),
        Field("n", COUNT, {"&optional": None}),
        Field("d", DOUBLE),
        Field("t", TIME),
        Field("i", INTERVAL),
        Field("p", PORT),
        Field("a", ADDR),
        Field("net", SUBNET),
        Field("v", VectorType(STRING)),
    ],
    name="Test::Rec",
)


def _roundtrip(value, t):
    ser = JSONSerializer()
    data = ser.serialize(value, t)
    assert data.startswith(b"JSONv1;")
    return data, ser.unserialize(data, t)


def test_json_roundtrips_typed_values():
    assert _roundtrip("abc", STRING)[0] == b'JSONv1;"abc"'
    assert _roundtrip("caf\xc3\xa9", STRING)[1] == "caf\xc3\xa9"  # UTF-8 bytes unchanged
    assert _roundtrip(2**64 - 1, COUNT)[1] == 2**64 - 1
    assert _roundtrip(12.5, INTERVAL)[0] == b'JSONv1;"12.0 secs 500.0 msecs"'
    assert _roundtrip(12.5, INTERVAL)[1] == 12.5
    assert _roundtrip(NOW + 0.25, TIME)[1] == NOW + 0.25
    assert _roundtrip(make_port(80, "tcp"), PORT)[0] == b'JSONv1;{"port":80,"proto":"tcp"}'
    assert str(_roundtrip(make_addr("2001:db8::1"), ADDR)[1]) == "2001:db8::1"
    assert str(_roundtrip(make_subnet("10.0.0.0/8"), SUBNET)[1]) == "10.0.0.0/8"

    st = TableType([STRING], None)
    s = Set(st, ["x", "y"])
    assert set(_roundtrip(s, st)[1]) == {"x", "y"}
    tt = TableType([COUNT], STRING)
    t = Table(tt, {1: "a", 2: "b"})
    data, back = _roundtrip(t, tt)
    assert data == b'JSONv1;{"1":"a","2":"b"}' and dict(back) == {1: "a", 2: "b"}
    vt = VectorType(COUNT)
    assert list(_roundtrip(Vector(vt, [3, 1, 2]), vt)[1]) == [3, 1, 2]

    rec = record_class(_RT)._zmake(
        {
            "f_s": "hi",
            "f_d": 1.5,
            "f_t": NOW,
            "f_i": 60.0,
            "f_p": make_port(53, "udp"),
            "f_a": make_addr("1.2.3.4"),
            "f_net": make_subnet("1.2.3.0/24"),
            "f_v": Vector(VectorType(STRING), ["a"]),
        }
    )
    back = _roundtrip(rec, _RT)[1]
    assert back == rec and not hasattr(back, "f_n")


def test_json_rejects_bad_data():
    ser = JSONSerializer()
    with pytest.raises(SerializationError, match="Version string missing"):
        ser.unserialize(b"no prefix", STRING)
    with pytest.raises(SerializationError, match="Version doesn't match: JSONv2 vs JSONv1"):
        ser.unserialize(b'JSONv2;"x"', STRING)
    with pytest.raises(SerializationError, match="cannot convert JSON type 'string'"):
        ser.unserialize(b'JSONv1;"x"', COUNT)


def test_unreadable_value_is_operation_failed(tmp_path):
    path = tmp_path / "t.sqlite"
    b = SQLiteBackend()
    assert b.open(sqlite_config(path), STRING, COUNT, JSONSerializer()).ok
    db = sqlite3.connect(path)
    db.execute("insert into testing values (?, ?, 0)", (b'JSONv1;"k"', b'JSONv1;"not a count"'))
    db.commit()
    db.close()
    r = b.get("k", NOW)
    assert r.code == ReturnCode.OPERATION_FAILED
    assert "cannot convert JSON type 'string' to Zeek type 'count'" in r.error_str
    b.close()
