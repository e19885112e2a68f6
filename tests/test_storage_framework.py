"""The storage framework from scripts: ``Storage::Sync``, ``Storage::Async``, events.

Expected outputs follow Zeek's baselines
(``testing/btest/Baseline/scripts.base.frameworks.storage.*``) where the
scripts do the same thing.
"""

from __future__ import annotations

import io
import sqlite3
import textwrap

import pytest

from zscript.diagnostics import SourceFile
from zscript.host import Host

HEADER = """
@load base/frameworks/storage/sync
@load base/frameworks/storage/async
@load policy/frameworks/storage/backend/sqlite
"""


def run(code: str, *, virtual_time: bool = True) -> tuple[str, str, int]:
    out, err = io.StringIO(), io.StringIO()
    host = Host(virtual_time=virtual_time, stdout=out, stderr=err)
    host.load_source(SourceFile("test.zs", HEADER + textwrap.dedent(code)))
    host.finish_loading()
    rc = host.run()
    host.subsystems["storage"].close()
    return out.getvalue(), err.getvalue(), rc


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)


OPTS = (
    "local opts: Storage::BackendOptions;\n"
    '    opts$sqlite = [$database_path="test.sqlite", $table_name="testing"];\n'
)


def test_sync_api_and_errors():
    out, err, rc = run(
        """
        event zeek_init() {
            local opts : Storage::BackendOptions;
            opts$sqlite = [$database_path = "/this/path/should/not/exist/test.sqlite",
                           $table_name = "testing"];
            local open_res = Storage::Sync::open_backend(Storage::STORAGE_BACKEND_SQLITE, opts, string, string);
            print "Open result", open_res;
            opts$sqlite$database_path = "test.sqlite";
            open_res = Storage::Sync::open_backend(Storage::STORAGE_BACKEND_SQLITE, opts, string, string);
            print "Open result 2", open_res;
            local b = open_res$value;
            print "Opened handle is open", Storage::is_open(b);
            local bad_key: count = 12345;
            print "Put result with bad key type", Storage::Sync::put(b, [$key=bad_key, $value="abcde"]);
            print Storage::Sync::put(b, [$key="key", $value="value7890"]);
            print Storage::Sync::put(b, [$key="key", $value="value2345", $overwrite=F]);
            print Storage::Sync::get(b, "key");
            print Storage::Sync::put(b, [$key="key", $value="value2345", $overwrite=T]);
            print Storage::Sync::get(b, "key");
            print Storage::Sync::erase(b, "key");
            print Storage::Sync::get(b, "key");
            Storage::Sync::close_backend(b);
            print "Closed backend is open", Storage::is_open(b);
            print "Put result on closed handle", Storage::Sync::put(b, [$key="a", $value="b"]);
        }
        """
    )
    assert rc == 0
    # Faults and bad input are only returned as codes, as in Zeek: nothing on stderr.
    assert err == ""
    u = "<uninitialized>"
    h = "<opaque of BackendHandleVal>"
    assert out.splitlines() == [
        "Open result, [code=Storage::OPERATION_FAILED, error_str=Failed to open backend "
        "Storage::STORAGE_BACKEND_SQLITE: SQLite call failed: unable to open database file, "
        f"value={h}]",
        f"Open result 2, [code=Storage::SUCCESS, error_str={u}, value={h}]",
        "Opened handle is open, T",
        f"Put result with bad key type, [code=Storage::KEY_TYPE_MISMATCH, error_str={u}, value={u}]",
        f"[code=Storage::SUCCESS, error_str={u}, value={u}]",
        f"[code=Storage::KEY_EXISTS, error_str={u}, value={u}]",
        f"[code=Storage::SUCCESS, error_str={u}, value=value7890]",
        f"[code=Storage::SUCCESS, error_str={u}, value={u}]",
        f"[code=Storage::SUCCESS, error_str={u}, value=value2345]",
        f"[code=Storage::SUCCESS, error_str={u}, value={u}]",
        f"[code=Storage::KEY_NOT_FOUND, error_str={u}, value={u}]",
        "Closed backend is open, F",
        f"Put result on closed handle, [code=Storage::NOT_CONNECTED, error_str=Backend is closed, value={u}]",
    ]


def test_async_api_runs_through_when():
    out, err, rc = run(
        f"""
        redef exit_only_after_terminate = T;
        global b: opaque of Storage::BackendHandle;

        event Storage::backend_opened(tag: Storage::Backend, config: any) {{
            print "Storage::backend_opened", tag;
        }}

        event zeek_init() {{
            {OPTS}
            when [opts] ( local open_res = Storage::Async::open_backend(
                    Storage::STORAGE_BACKEND_SQLITE, opts, string, count) ) {{
                print "open", open_res$code;
                b = open_res$value;
                when ( local put_res = Storage::Async::put(b, [$key="k", $value=42]) ) {{
                    print "put", put_res$code;
                    when ( local get_res = Storage::Async::get(b, "k") ) {{
                        print "get", get_res$code, (get_res$value as count) + 1;
                        when ( local e = Storage::Async::erase(b, "k") ) {{
                            when [e] ( local c = Storage::Async::close_backend(b) ) {{
                                print "erase+close", e$code, c$code;
                                terminate();
                            }} timeout 5sec {{ print "close timeout"; }}
                        }} timeout 5sec {{ print "erase timeout"; }}
                    }} timeout 5sec {{ print "get timeout"; }}
                }} timeout 5sec {{ print "put timeout"; }}
            }} timeout 5sec {{ print "open timeout"; }}
        }}
        """
    )
    assert rc == 0, err
    assert out.splitlines() == [
        "Storage::backend_opened, Storage::STORAGE_BACKEND_SQLITE",
        "open, Storage::SUCCESS",
        "put, Storage::SUCCESS",
        "get, Storage::SUCCESS, 43",
        "erase+close, Storage::SUCCESS, Storage::SUCCESS",
    ]


def test_async_operations_of_a_loop_round_share_one_transaction(monkeypatch):
    """SQLite: the asynchronous operations a round of handlers starts go to the
    backend's thread together and run in one transaction, each with its own
    result, in order; a synchronous call waits behind them."""
    from zscript.storage.sqlite import SQLiteBackend

    batches: list[int] = []
    original = SQLiteBackend._do_many

    def counted(self, hooks):
        batches.append(len(hooks))
        return original(self, hooks)

    monkeypatch.setattr(SQLiteBackend, "_do_many", counted)
    out, err, rc = run(
        f"""
        redef exit_only_after_terminate = T;
        global b: opaque of Storage::BackendHandle;
        const n = 200;
        global ok = 0;
        global answered = 0;

        event check() {{
            local i = 0;
            while ( i < n ) {{
                when [i] ( local g = Storage::Async::get(b, fmt("k%d", i)) ) {{
                    if ( g$code == Storage::SUCCESS && g$value as count == (i == 0 ? 0 : i * 10) )
                        ++ok;
                    if ( i == n - 1 ) {{
                        print "gets ok", ok;
                        terminate();
                    }}
                }} timeout 5sec {{ print "get timeout"; terminate(); }}
                ++i;
            }}
        }}

        event zeek_init() {{
            {OPTS}
            b = Storage::Sync::open_backend(Storage::STORAGE_BACKEND_SQLITE, opts, string, count)$value;
            Storage::Sync::put(b, [$key="k0", $value=0]);
            local i = 0;
            while ( i < n ) {{
                when [i] ( local p = Storage::Async::put(b, [$key=fmt("k%d", i), $value=i * 10,
                                                             $overwrite=(i != 0)]) ) {{
                    if ( i <= 1 )
                        print "put", i, p$code;
                    ++answered;
                    if ( answered == n )
                        event check();
                }} timeout 5sec {{ print "put timeout"; terminate(); }}
                ++i;
            }}
            print "sync get", Storage::Sync::get(b, fmt("k%d", n - 1))$value, answered;
        }}
        """,
        virtual_time=False,
    )
    assert rc == 0, err
    assert out.splitlines() == [
        "sync get, 1990, 0",
        "put, 0, Storage::KEY_EXISTS",
        "put, 1, Storage::SUCCESS",
        "gets ok, 200",
    ], err
    assert batches[:2] == [200, 200], batches


def test_async_needs_a_timeout_block():
    out, err, _rc = run(
        f"""
        event zeek_init() {{
            {OPTS}
            local b = Storage::Sync::open_backend(Storage::STORAGE_BACKEND_SQLITE, opts, string, string)$value;
            when [b] ( local r = Storage::Async::get(b, "k") ) {{ print "never"; }}
        }}
        """
    )
    assert out == ""
    assert "Asynchronous storage operations must specify a timeout block" in err
    assert "Storage::Async::get(b" in err


def test_async_outside_when_is_a_static_error():
    out, err = io.StringIO(), io.StringIO()
    host = Host(virtual_time=True, stdout=out, stderr=err)
    host.load_source(
        SourceFile(
            "test.zs",
            HEADER
            + "event zeek_init() { local b: opaque of Storage::BackendHandle; "
            + 'Storage::Async::get(b, "k"); }',
        )
    )
    with pytest.raises(Exception, match="asynchronous"):
        host.finish_loading()


def test_forced_sync_runs_async_functions_synchronously():
    out, err, rc = run(
        f"""
        event zeek_init() {{
            {OPTS}
            opts$forced_sync = T;
            when [opts] ( local r = Storage::Async::open_backend(Storage::STORAGE_BACKEND_MEMORY, opts, string, string) ) {{
                print "forced", Storage::is_forced_sync(r$value), r$code;
            }} timeout 1sec {{ print "timeout"; }}
        }}
        """
    )
    assert out == "forced, T, Storage::SUCCESS\n", err


def test_compound_types_roundtrip():
    out, err, rc = run(
        """
        type Color: enum { Red = 10, White = 20, Blue = 30 };
        type Rec: record {
            hello: string; n: count &optional; def: count &default = 123; i: int; pi: double;
            a: string_vec; c1: Color; p: port; ti: time; it: interval; ad: addr; s: subnet;
            su: subnet_set;
        };
        type tbl: table[count] of string;

        event zeek_init() {
            local opts : Storage::BackendOptions;
            opts$sqlite = [$database_path = "types_test.sqlite", $table_name = "types_testing"];
            local key: Rec = [$hello="hello", $n=1234, $i=-2345, $pi=345.0, $a=vector("a", "b"),
                              $c1=Red, $p=1234/tcp, $ti=double_to_time(1700000000.5), $it=15sec,
                              $ad=1.2.3.4, $s=10.0.0.0/8, $su=set(192.168.0.0/16)];
            local value: tbl = { [1] = "a", [2] = "b" };
            local b = Storage::Sync::open_backend(Storage::STORAGE_BACKEND_SQLITE, opts, Rec, tbl)$value;
            print Storage::Sync::put(b, [$key=key, $value=value])$code;
            local r = Storage::Sync::get(b, key);
            print r;
            print (r$value as tbl)[2];
            print Storage::Sync::put(b, [$key=key, $value="a string"])$code;
            Storage::Sync::close_backend(b);
        }
        """
    )
    assert rc == 0
    assert err == ""
    assert out.splitlines() == [
        "Storage::SUCCESS",
        "[code=Storage::SUCCESS, error_str=<uninitialized>, value={",
        "[1] = a,",
        "[2] = b",
        "}]",
        "b",
        "Storage::VAL_TYPE_MISMATCH",
    ]
    rows = (
        sqlite3.connect("types_test.sqlite").execute("select key_str from types_testing").fetchall()
    )
    assert rows[0][0].startswith(b'JSONv1;{"hello":"hello","n":1234,"def":123,"i":-2345,')


def test_expiration_in_network_time():
    out, err, rc = run(
        """
        redef Storage::expire_interval = 2 secs;
        redef exit_only_after_terminate = T;
        global b: opaque of Storage::BackendHandle;
        global m: opaque of Storage::BackendHandle;

        event check_removed() {
            print "sqlite", Storage::Sync::get(b, "key1")$code, Storage::Sync::get(b, "key2")$code,
                  Storage::Sync::get(b, "key3")$code;
            print "memory", Storage::Sync::get(m, "key1")$code, Storage::Sync::get(m, "key2")$code;
            terminate();
        }

        event zeek_init() {
            local opts : Storage::BackendOptions;
            opts$sqlite = [$database_path = "storage-test.sqlite", $table_name = "testing"];
            b = Storage::Sync::open_backend(Storage::STORAGE_BACKEND_SQLITE, opts, string, string)$value;
            m = Storage::Sync::open_backend(Storage::STORAGE_BACKEND_MEMORY, opts, string, string)$value;
            Storage::Sync::put(b, [$key="key1", $value="v1", $expire_time=2secs]);
            Storage::Sync::put(b, [$key="key2", $value="v2", $expire_time=20secs]);
            Storage::Sync::put(b, [$key="key3", $value="v3", $expire_time=2secs]);
            Storage::Sync::put(b, [$key="key3", $value="v3", $expire_time=25secs, $overwrite=T]);
            Storage::Sync::put(m, [$key="key1", $value="v1", $expire_time=2secs]);
            Storage::Sync::put(m, [$key="key2", $value="v2", $expire_time=20secs]);
            schedule 5secs { check_removed() };
        }
        """
    )
    assert rc == 0, err
    assert out.splitlines() == [
        "sqlite, Storage::KEY_NOT_FOUND, Storage::SUCCESS, Storage::SUCCESS",
        "memory, Storage::KEY_NOT_FOUND, Storage::SUCCESS",
    ]
    # The periodic sweep removed the expired row from the file.
    keys = sqlite3.connect("storage-test.sqlite").execute("select key_str from testing").fetchall()
    assert sorted(k for (k,) in keys) == [b'JSONv1;"key2"', b'JSONv1;"key3"']


def test_corrupt_file_and_missing_options():
    with open("corrupt.sqlite", "wb") as f:
        f.write(b"garbage" * 1000)
    out, err, rc = run(
        """
        event zeek_init() {
            local opts : Storage::BackendOptions;
            local r = Storage::Sync::open_backend(Storage::STORAGE_BACKEND_SQLITE, opts, string, string);
            print r$code, r$error_str;
            opts$sqlite = [$database_path = "corrupt.sqlite", $table_name = "testing"];
            r = Storage::Sync::open_backend(Storage::STORAGE_BACKEND_SQLITE, opts, string, string);
            print r$code, r$error_str;
            print Storage::is_open(r$value), Storage::Sync::put(r$value, [$key="a", $value="b"])$code;
        }
        """
    )
    assert out.splitlines() == [
        "Storage::INITIALIZATION_FAILED, Failed to open backend Storage::STORAGE_BACKEND_SQLITE: "
        "sqlite backend options not provided",
        "Storage::INITIALIZATION_FAILED, Failed to open backend Storage::STORAGE_BACKEND_SQLITE: "
        "Error while executing 'pragma quick_check': file is not a database (26)",
        "F, Storage::NOT_CONNECTED",
    ]


def test_synchronous_full_pragma_is_applied():
    out, err, rc = run(
        """
        event zeek_init() {
            local opts : Storage::BackendOptions;
            opts$sqlite = [$database_path = "full.sqlite", $table_name = "t",
                           $pragma_commands = table(["journal_mode"] = "WAL", ["synchronous"] = "full")];
            local b = Storage::Sync::open_backend(Storage::STORAGE_BACKEND_SQLITE, opts, count, count)$value;
            local i = 0;
            while ( i < 20 ) {
                Storage::Sync::put(b, [$key=i, $value=i * i]);
                ++i;
            }
            print (Storage::Sync::get(b, 7)$value as count);
        }
        """
    )
    assert (out, err) == ("49\n", "")
    assert sqlite3.connect("full.sqlite").execute("select count(*) from t").fetchone() == (20,)


def test_third_party_backend_by_entry_point(monkeypatch):
    """A backend plugin: a class, an entry point, and its enumerator in a script."""
    from zscript.storage import manager
    from zscript.storage.memory import MemoryBackend

    class ShoutingBackend(MemoryBackend):
        tag = "STORAGE_BACKEND_SHOUT"

        def _do_put(self, key, value, overwrite, expire_at, now):
            return super()._do_put(
                key, value.replace(b"quiet", b"QUIET"), overwrite, expire_at, now
            )

    class EP:
        name = "shout"

        @staticmethod
        def load():
            return ShoutingBackend

    real = manager.entry_points
    monkeypatch.setattr(
        manager,
        "entry_points",
        lambda group, name=None: (
            [EP]
            if group == manager.BACKEND_GROUP and name in (None, EP.name)
            else real(group, name)
        ),
    )
    out, err, rc = run(
        """
        redef enum Storage::Backend += { STORAGE_BACKEND_SHOUT };
        event zeek_init() {
            local opts: Storage::BackendOptions;
            local b = Storage::Sync::open_backend(STORAGE_BACKEND_SHOUT, opts, string, string)$value;
            Storage::Sync::put(b, [$key="k", $value="quiet"]);
            print Storage::Sync::get(b, "k")$value;
        }
        """
    )
    assert (out, err, rc) == ("QUIET\n", "", 0)


def test_metrics_are_telemetry_samples():
    from zscript.telemetry.families import build_families

    out, err = io.StringIO(), io.StringIO()
    host = Host(virtual_time=True, stdout=out, stderr=err)
    code = f"""
        event zeek_init() {{
            {OPTS}
            local b = Storage::Sync::open_backend(Storage::STORAGE_BACKEND_SQLITE, opts, string, string)$value;
            Storage::Sync::put(b, [$key="key1234", $value="value5678"]);
            Storage::Sync::get(b, "key1234");
            Storage::Sync::get(b, "missing");
            Storage::Sync::close_backend(b);
        }}
    """
    host.load_source(SourceFile("test.zs", HEADER + textwrap.dedent(code)))
    host.finish_loading()
    host.run()
    problems = []
    fams = build_families(
        [list(host.subsystems["storage"].metric_samples())],
        node_label=None,
        problem=lambda *a: problems.append(a),
    )
    assert problems == []
    samples = {
        (s[0], tuple(sorted(dict(s[3]).items()))): s[4]
        for s in host.subsystems["storage"].metric_samples()
    }
    base = (("config", "test.sqlite-testing"), ("type", "Storage::STORAGE_BACKEND_SQLITE"))

    def result(op, outcome):
        labels = tuple(sorted((*base, ("operation", op), ("result", outcome))))
        return samples["zeek_storage_backend_operation_results_total", labels]

    assert samples["zeek_storage_backends_opened_total", ()] == 1
    assert (result("put", "success"), result("get", "success"), result("get", "fail")) == (1, 1, 1)
    # Zeek's byte counts for this exchange (baseline sqlite.basic): 18 written, 18 read.
    assert samples["zeek_storage_backend_data_written_bytes_total", base] == 18
    assert samples["zeek_storage_backend_data_read_bytes_total", base] == 18
    assert {f.name for f in fams} >= {"zeek_storage_backend_operation_latency_seconds"}


def test_collected_metrics_as_zeek_lists_them():
    # Telemetry::collect_metrics: labels sorted by name (as prometheus-cpp keeps
    # them), families by name length then name, and the SQLite backend's own
    # size gauges (a fresh WAL database: one page on disk, five in the database).
    out, err, rc = run(
        f"""
        @load base/frameworks/telemetry
        event zeek_init() {{
            {OPTS}
            local b = Storage::Sync::open_backend(Storage::STORAGE_BACKEND_SQLITE, opts, string, string)$value;
            Storage::Sync::put(b, [$key="key1234", $value="value5678"]);
            for ( _, m in Telemetry::collect_metrics("zeek", "storage*") )
                if ( m$opts$name == "zeek_storage_backends_opened_total" ||
                     /sqlite/ in m$opts$name ||
                     /operation_results/ in m$opts$name && m$label_values[1] == "put" )
                    print m$opts$metric_type, m$opts$name, m$label_names, m$label_values, m$value;
            Storage::Sync::close_backend(b);
        }}
        """
    )
    assert rc == 0, err
    lines = out.splitlines()
    label = "test.sqlite-testing"
    results = "zeek_storage_backend_operation_results_total"
    names = "[config, operation, result, type]"
    assert lines == [
        "Telemetry::COUNTER, zeek_storage_backends_opened_total, [], [], 1.0",
        f"Telemetry::GAUGE, zeek_storage_sqlite_database_size_bytes, [config], [{label}], 4096.0",
        f"Telemetry::GAUGE, zeek_storage_sqlite_database_size_pages, [config], [{label}], 5.0",
    ] + [
        f"Telemetry::COUNTER, {results}, {names}, [{label}, put, {outcome}, "
        f"Storage::STORAGE_BACKEND_SQLITE], {1.0 if outcome == 'success' else 0.0}"
        for outcome in ("error", "fail", "success", "timeout")
    ]


def test_default_pragmas_keep_their_order_in_zeek_order_mode(tmp_path):
    # The default pragma_commands table is &ordered (the order the pragmas run
    # and print in), also when tables otherwise iterate in Zeek's hash order.
    import subprocess
    import sys

    (tmp_path / "t.zs").write_text(
        HEADER
        + "event zeek_init() {\n"
        + '    local o: Storage::Backend::SQLite::Options = [$database_path="x", $table_name="t"];\n'
        + "    for ( k in o$pragma_commands ) print k;\n"
        + "}\n"
    )
    proc = subprocess.run(
        [sys.executable, "-m", "zscript", "run", "standalone", "--zeek-order", "t.zs"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.stdout.split() == ["quick_check", "journal_mode", "synchronous", "temp_store"], (
        proc.stderr
    )
