"""The Redis storage backend against a real ``redis-server``.

Each test starts its own server on a free port of 127.0.0.1 and stops it.
Without the ``redis-server`` binary (or the ``redis`` package) the tests
are skipped with a hint on installing it; with ``ZSCRIPT_REQUIRE_REDIS=1``
(set in CI) they fail instead.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import textwrap
import time

import pytest
import servers
from servers import free_port

INSTALL_HINT = (
    "install it with `apt-get install -y redis-server` (macOS: `brew install redis`) "
    "and `pip install 'zscript[redis]'`"
)


def _missing(what: str):
    servers.missing(what, required_by="ZSCRIPT_REQUIRE_REDIS", hint=INSTALL_HINT)


class RedisServer:
    def __init__(self, directory, *extra: str):
        self.port = free_port()
        self.socket_path = str(directory / "redis.sock")
        self.proc = subprocess.Popen(
            [
                shutil.which("redis-server"),
                "--port", str(self.port),
                "--bind", "127.0.0.1",
                "--unixsocket", self.socket_path,
                "--save", "",
                "--appendonly", "no",
                "--dir", str(directory),
                *extra,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.2).close()
                return
            except OSError:
                time.sleep(0.02)
        self.stop()
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)


@pytest.fixture
def redis_server(tmp_path):
    if shutil.which("redis-server") is None:
        _missing("redis-server")
    try:
        import redis  # noqa: F401
    except ImportError:
        _missing("the redis Python package")
    servers: list[RedisServer] = []

    def start(*extra: str) -> RedisServer:
        s = RedisServer(tmp_path, *extra)
        servers.append(s)
        return s

    start.default = start()
    yield start
    for s in servers:
        s.stop()


HEADER = """
@load base/frameworks/storage/sync
@load base/frameworks/storage/async
@load policy/frameworks/storage/backend/redis
"""


def run(code: str, port: int, **kw) -> tuple[str, str]:
    """Run ``code`` (PORT replaced by the server's port); see ``servers.run_script``."""
    return servers.run_script(
        "redis.zs", HEADER + textwrap.dedent(code).replace("PORT", f"{port}/tcp"), **kw
    )


def test_sync_operations(redis_server):
    server = redis_server.default
    out, err = run(
        """
        event Storage::backend_opened(tag: Storage::Backend, config: any) { print "opened", tag; }
        event Storage::backend_lost(tag: Storage::Backend, config: any, reason: string) {
            print "lost", reason;
        }
        event zeek_init() {
            local opts: Storage::BackendOptions;
            opts$redis = [$server_host="127.0.0.1", $server_port=PORT, $key_prefix="testing"];
            local res = Storage::Sync::open_backend(Storage::STORAGE_BACKEND_REDIS, opts, string, string);
            print "open", res$code;
            local b = res$value;
            print "put", Storage::Sync::put(b, [$key="key1234", $value="value1234"])$code;
            print "get", Storage::Sync::get(b, "key1234")$value;
            print "put", Storage::Sync::put(b, [$key="key1234", $value="value2345", $overwrite=F])$code;
            print "get", Storage::Sync::get(b, "key1234")$value;
            print "put", Storage::Sync::put(b, [$key="key1234", $value="value2345", $overwrite=T])$code;
            print "get", Storage::Sync::get(b, "key1234")$value;
            print "get", Storage::Sync::get(b, "testing")$code;
            print "erase", Storage::Sync::erase(b, "key1234")$code;
            print "get", Storage::Sync::get(b, "key1234")$code;
            print "put", Storage::Sync::put(b, [$key="kept", $value="v"])$code;
            print "close", Storage::Sync::close_backend(b)$code;
        }
        """,
        server.port,
    )
    assert err == ""
    assert out.splitlines() == [
        "open, Storage::SUCCESS",
        "put, Storage::SUCCESS",
        "get, value1234",
        "put, Storage::KEY_EXISTS",
        "get, value1234",
        "put, Storage::SUCCESS",
        "get, value2345",
        "get, Storage::KEY_NOT_FOUND",
        "erase, Storage::SUCCESS",
        "get, Storage::KEY_NOT_FOUND",
        "put, Storage::SUCCESS",
        "close, Storage::SUCCESS",
        "opened, Storage::STORAGE_BACKEND_REDIS",
        "lost, Client disconnected",
    ]
    import redis

    r = redis.Redis(host="127.0.0.1", port=server.port)
    assert r.keys("*") == [b'testing:JSONv1;"kept"']
    assert r.get(b'testing:JSONv1;"kept"') == b'JSONv1;"v"'
    r.close()


def test_async_operations_and_unix_socket(redis_server):
    server = redis_server.default
    out, err = run(
        f"""
        redef exit_only_after_terminate = T;
        global b: opaque of Storage::BackendHandle;
        event zeek_init() {{
            local opts: Storage::BackendOptions;
            opts$redis = [$server_unix_socket="{server.socket_path}", $key_prefix="async"];
            when [opts] ( local r = Storage::Async::open_backend(Storage::STORAGE_BACKEND_REDIS, opts, count, string_set) ) {{
                print "open", r$code;
                b = r$value;
                when ( local p = Storage::Async::put(b, [$key=1, $value=set("a", "b")]) ) {{
                    print "put", p$code;
                    when ( local g = Storage::Async::get(b, 1) ) {{
                        print "get", |g$value as set[string]|, "b" in (g$value as set[string]);
                        when ( local c = Storage::Async::close_backend(b) ) {{
                            print "close", c$code;
                            terminate();
                        }} timeout 5sec {{ print "close timeout"; terminate(); }}
                    }} timeout 5sec {{ print "get timeout"; terminate(); }}
                }} timeout 5sec {{ print "put timeout"; terminate(); }}
            }} timeout 5sec {{ print "open timeout"; terminate(); }}
        }}
        """,
        server.port,
    )
    assert out.splitlines() == [
        "open, Storage::SUCCESS",
        "put, Storage::SUCCESS",
        "get, 2, T",
        "close, Storage::SUCCESS",
    ], err


def test_native_expiration(redis_server):
    out, err = run(
        """
        redef exit_only_after_terminate = T;
        global b: opaque of Storage::BackendHandle;
        event check() {
            print Storage::Sync::get(b, "short")$code, Storage::Sync::get(b, "long")$code;
            terminate();
        }
        event zeek_init() {
            local opts: Storage::BackendOptions;
            opts$redis = [$server_host="127.0.0.1", $server_port=PORT, $key_prefix="exp"];
            b = Storage::Sync::open_backend(Storage::STORAGE_BACKEND_REDIS, opts, string, string)$value;
            Storage::Sync::put(b, [$key="short", $value="v", $expire_time=300msec]);
            Storage::Sync::put(b, [$key="long", $value="v", $expire_time=30sec]);
            schedule 800msec { check() };
        }
        """,
        redis_server.default.port,
        virtual_time=False,
    )
    assert out == "Storage::KEY_NOT_FOUND, Storage::SUCCESS\n", err


def test_connection_failures_and_auth(redis_server):
    locked = redis_server("--requirepass", "s3cret")
    dead_port = free_port()
    out, err = run(
        f"""
        event zeek_init() {{
            local opts: Storage::BackendOptions;
            opts$redis = [$server_host="127.0.0.1", $server_port={dead_port}/tcp, $connect_timeout=1sec];
            local r = Storage::Sync::open_backend(Storage::STORAGE_BACKEND_REDIS, opts, string, string);
            # Found after the open call (Zeek's asynchronous open): no "Failed to open backend".
            print r$code, /^Connection failed: / in r$error_str;
            print Storage::is_open(r$value), Storage::Sync::get(r$value, "x")$code;

            opts$redis = [$server_host="127.0.0.1", $server_port=PORT];
            r = Storage::Sync::open_backend(Storage::STORAGE_BACKEND_REDIS, opts, string, string);
            print r$code;
            opts$redis$password = "wrong";
            r = Storage::Sync::open_backend(Storage::STORAGE_BACKEND_REDIS, opts, string, string);
            print r$code, r$error_str;
            opts$redis$password = "s3cret";
            r = Storage::Sync::open_backend(Storage::STORAGE_BACKEND_REDIS, opts, string, string);
            print r$code, Storage::Sync::put(r$value, [$key="k", $value="v"])$code;

            local none: Storage::BackendOptions;
            print Storage::Sync::open_backend(Storage::STORAGE_BACKEND_REDIS, none, string, string)$error_str;
        }}
        """,
        locked.port,
    )
    assert out.splitlines() == [
        "Storage::CONNECTION_FAILED, T",
        "F, Storage::NOT_CONNECTED",
        "Storage::CONNECTION_FAILED",
        # The server's reply as Zeek reports it, error code included.
        "Storage::CONNECTION_FAILED, AUTH command failed to authenticate: WRONGPASS invalid "
        "username-password pair or user is disabled.",
        "Storage::SUCCESS, Storage::SUCCESS",
        "Failed to open backend Storage::STORAGE_BACKEND_REDIS: redis backend options not provided",
    ], err


def test_server_going_away_is_reported_and_never_crashes(redis_server):
    server = redis_server.default
    out, err = run(
        """
        redef exit_only_after_terminate = T;
        global b: opaque of Storage::BackendHandle;
        global lost = F;
        event Storage::backend_lost(tag: Storage::Backend, config: any, reason: string) {
            lost = T;
            print "lost", tag, reason;
            print "sync get", Storage::Sync::get(b, "k")$code;
            when ( local r = Storage::Async::put(b, [$key="k", $value="v"]) ) {
                print "async put", r$code;
                terminate();
            } timeout 5sec { print "timeout"; terminate(); }
        }
        event watchdog() { if ( ! lost ) { print "no backend_lost"; terminate(); } }
        event zeek_init() {
            local opts: Storage::BackendOptions;
            opts$redis = [$server_host="127.0.0.1", $server_port=PORT, $key_prefix="lost"];
            b = Storage::Sync::open_backend(Storage::STORAGE_BACKEND_REDIS, opts, string, string)$value;
            print "put", Storage::Sync::put(b, [$key="k", $value="v"])$code;
            schedule 10sec { watchdog() };
        }
        """,
        server.port,
        virtual_time=False,
        during=server.stop,
    )
    assert out.splitlines() == [
        "put, Storage::SUCCESS",
        "lost, Storage::STORAGE_BACKEND_REDIS, Server closed the connection",
        "sync get, Storage::NOT_CONNECTED",
        "async put, Storage::NOT_CONNECTED",
    ], err


def _config(server, prefix: str, operation_timeout: float) -> dict:
    """The Python API's configuration for ``server`` (TCP)."""
    return {
        "server_host": "127.0.0.1",
        "server_port": server.port,
        "server_unix_socket": None,
        "key_prefix": prefix,
        "connect_timeout": 1.0,
        "operation_timeout": operation_timeout,
        "username": None,
        "password": None,
    }


def test_python_api_operation_timeout(redis_server):
    """An operation exceeding operation_timeout returns TIMEOUT (server paused)."""
    from zscript.storage.redis import RedisBackend
    from zscript.storage.serializers import JSONSerializer
    from zscript.types import STRING

    server = redis_server.default
    b = RedisBackend()
    cfg = _config(server, "t", 0.3)
    assert b.open(cfg, STRING, STRING, JSONSerializer()).ok
    os.kill(server.proc.pid, 19)  # SIGSTOP: the server stops answering
    try:
        r = b.put("k", "v", now=time.time())
        assert r.code == "TIMEOUT", r
    finally:
        os.kill(server.proc.pid, 18)  # SIGCONT
    b.close()


def test_backend_left_open_is_closed_quietly_at_exit(redis_server, tmp_path):
    """A script that never closes its Redis backend: the process ends without a
    Python traceback (the storage subsystem closes what is open at exit)."""
    srv = redis_server()
    script = tmp_path / "open.zs"
    script.write_text(
        HEADER
        + textwrap.dedent(
            f"""
            event zeek_init()
                {{
                local opts: Storage::BackendOptions;
                opts$redis = [$server_host="127.0.0.1", $server_port={srv.port}/tcp, $key_prefix="t"];
                local r = Storage::Sync::open_backend(Storage::STORAGE_BACKEND_REDIS, opts, string, string);
                print r$code, Storage::Sync::put(r$value, [$key="k", $value="v"])$code;
                }}
            """
        )
    )
    for _ in range(3):
        proc = subprocess.run(
            [sys.executable, "-m", "zscript", "run", "standalone", str(script)],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=tmp_path,
        )
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout == "Storage::SUCCESS, Storage::SUCCESS\n"
        assert proc.stderr == "", proc.stderr


def test_metrics_config_label():
    from zscript.storage.redis import RedisBackend

    b = RedisBackend()
    b.config = {"server_host": "127.0.0.1", "server_port": 6379, "key_prefix": "testing"}
    assert b.config_label() == "127.0.0.1:6379-testing"
    # Zeek leaves the address out under test (running_under_test): ports vary from run to run.
    b.config["running_under_test"] = True
    assert b.config_label() == "server_addr-testing"


def test_expiry_counts_from_the_put_by_the_servers_clock():
    import time as _time

    from zscript.storage.redis import _pxat

    # Network time 10 s behind the clock (a long handler): an entry with a
    # 2 s lifetime must still live 2 s from now, not expire at once.
    lagging = _time.time() - 10.0
    at = _pxat(lagging + 2.0, lagging) / 1000
    assert 1.5 < at - _time.time() <= 2.0


def test_operations_in_flight_together_share_a_pipeline(redis_server):
    """Asynchronous operations started together go as pipelines (fewer round
    trips); each still gets its own result, in the order they were issued."""
    from zscript.storage.redis import RedisBackend
    from zscript.storage.serializers import JSONSerializer
    from zscript.types import STRING

    server = redis_server.default
    b = RedisBackend()
    cfg = _config(server, "pipe", 5.0)
    assert b.open(cfg, STRING, STRING, JSONSerializer()).ok
    try:
        puts = [b.put_async(f"k{i}", f"v{i}", now=time.time()) for i in range(200)]
        assert all(f.result(10).ok for f in puts)
        # Without overwrite: an existing key is refused, a new one written.
        again = [b.put_async(k, "x", overwrite=False, now=time.time()) for k in ("k1", "new")]
        assert [f.result(10).code for f in again] == ["KEY_EXISTS", "SUCCESS"]
        gets = [b.get_async(f"k{i}", now=time.time()) for i in range(200)]
        got = [f.result(10) for f in gets]
        assert [r.value for r in got] == [f"v{i}" for i in range(200)]
        assert b.get_async("missing").result(10).code == "KEY_NOT_FOUND"
        assert b.pipelines >= 2  # the puts and the gets went (mostly) together
    finally:
        b.close()


def test_script_operations_in_flight_share_the_hosts_pipeline(redis_server):
    """A script's asynchronous operations go over the pipelined connection on
    the host's loop: many per write, each with its own result, in order; a
    synchronous call waits behind those in flight; closing waits for them."""
    server = redis_server.default
    hosts: list = []
    out, err = run(
        """
        redef exit_only_after_terminate = T;
        global b: opaque of Storage::BackendHandle;
        const n = 300;
        global puts_ok = 0;
        global gets_ok = 0;
        global last_put: string = "";

        event close_with_one_in_flight() {
            when ( local p = Storage::Async::put(b, [$key="last", $value="written"]) ) {
                last_put = fmt("%s", p$code);
                print "last put", last_put;
                terminate();
            } timeout 10sec { print "last put timeout"; terminate(); }
            # Waits for the put's reply; the script sees it afterwards.
            print "close", Storage::Sync::close_backend(b)$code, last_put;
        }

        event get_all() {
            local i = 0;
            while ( i < n ) {
                when [i] ( local g = Storage::Async::get(b, fmt("k%d", i)) ) {
                    if ( g$code == Storage::SUCCESS && g$value as string == fmt("v%d", i) )
                        ++gets_ok;
                    if ( i == n - 1 ) {
                        print "gets ok", gets_ok;
                        event close_with_one_in_flight();
                    }
                } timeout 10sec { print "get timeout", i; terminate(); }
                ++i;
            }
        }

        event zeek_init() {
            local opts: Storage::BackendOptions;
            opts$redis = [$server_host="127.0.0.1", $server_port=PORT, $key_prefix="pipe"];
            b = Storage::Sync::open_backend(Storage::STORAGE_BACKEND_REDIS, opts, string, string)$value;
            local i = 0;
            while ( i < n ) {
                when [i] ( local p = Storage::Async::put(b, [$key=fmt("k%d", i), $value=fmt("v%d", i)]) ) {
                    if ( p$code == Storage::SUCCESS )
                        ++puts_ok;
                    if ( i == n - 1 ) {
                        print "puts ok", puts_ok;
                        event get_all();
                    }
                } timeout 10sec { print "put timeout", i; terminate(); }
                ++i;
            }
            # Sent behind the puts in flight: it sees the last one written,
            # and the puts' results reach the script only afterwards.
            print "sync get", Storage::Sync::get(b, fmt("k%d", n - 1))$value, puts_ok;
            print "sync put", Storage::Sync::put(b, [$key="k0", $value="v0", $overwrite=F])$code;
        }
        """,
        server.port,
        virtual_time=False,
        hosts=hosts,
    )
    assert out.splitlines() == [
        "sync get, v299, 0",
        "sync put, Storage::KEY_EXISTS",
        "puts ok, 300",
        "gets ok, 300",
        "close, Storage::SUCCESS, ",
        "last put, Storage::SUCCESS",
    ], err
    (backend,) = hosts[0].subsystems["storage"].manager._metered
    # The 300 puts and the 300 gets each went out in a few writes, not one each.
    pipe = backend._pipe
    assert pipe.pipelines >= 2 and pipe.writes <= 20, (pipe.pipelines, pipe.writes)
    import redis

    r = redis.Redis(host="127.0.0.1", port=server.port)
    assert r.get(b'pipe:JSONv1;"last"') == b'JSONv1;"written"'
    assert r.dbsize() == 301
    r.close()


def test_async_operation_timeout_on_the_hosts_loop(redis_server):
    """An asynchronous operation unanswered within operation_timeout gives
    TIMEOUT; its late reply is dropped, and later operations get their own."""
    import redis

    server = redis_server.default

    def pause():
        # The server holds write commands for 3 s (INFO and GET go on).
        r = redis.Redis(host="127.0.0.1", port=server.port)
        r.execute_command("CLIENT", "PAUSE", "3000", "WRITE")
        r.close()

    out, err = run(
        """
        redef exit_only_after_terminate = T;
        global b: opaque of Storage::BackendHandle;
        event get_after_the_pause() {
            # The put was carried out when the pause ended; its late reply,
            # dropped, does not become this get's.
            when ( local g = Storage::Async::get(b, "k") ) {
                print "get", g$code, g$value;
                terminate();
            } timeout 10sec { print "get timeout"; terminate(); }
        }
        event zeek_init() {
            local opts: Storage::BackendOptions;
            opts$redis = [$server_host="127.0.0.1", $server_port=PORT, $key_prefix="slow",
                          $operation_timeout=300msec];
            b = Storage::Sync::open_backend(Storage::STORAGE_BACKEND_REDIS, opts, string, string)$value;
            when ( local p = Storage::Async::put(b, [$key="k", $value="v"]) ) {
                print "put", p$code;
                schedule 4sec { get_after_the_pause() };
            } timeout 10sec { print "put timeout"; terminate(); }
        }
        """,
        server.port,
        virtual_time=False,
        before=pause,
    )
    assert out.splitlines() == ["put, Storage::TIMEOUT", "get, Storage::SUCCESS, v"], err


def test_reply_parser_takes_replies_split_anywhere():
    """The pipeline's RESP parser (and hiredis's, when installed) gives every
    complete reply however the stream is cut into reads."""
    from zscript.storage.resp import PyReader, ReplyError, encode, make_reader

    stream = b"+OK\r\n$5\r\nab\r\nc\r\n$-1\r\n:42\r\n-ERR no\r\n*2\r\n$1\r\nx\r\n:7\r\n$0\r\n\r\n"
    expected = [b"OK", b"ab\r\nc", None, 42, "ERR no", [b"x", 7], b""]

    def plain(replies):
        return [str(r) if isinstance(r, ReplyError) else r for r in replies]

    for reader in {type(r): r for r in (PyReader(), make_reader())}.values():
        assert plain(reader.replies(stream)) == expected
        got = []
        for i in range(len(stream)):  # one byte per read
            got += reader.replies(stream[i : i + 1])
        assert plain(got) == expected
    assert encode(["SET", b"k", "v\u00e9", 12]) == (
        b"*4\r\n$3\r\nSET\r\n$1\r\nk\r\n$3\r\nv\xc3\xa9\r\n$2\r\n12\r\n"
    )
