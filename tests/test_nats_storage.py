"""The NATS key-value storage backend against a real ``nats-server``.

Each test starts its own server (``natsutil``: a free port of 127.0.0.1,
its store in the test's directory) and stops it.  The backend contract
shared with memory and SQLite runs in ``test_storage_backends.py``; here
the scripts' view: ``Storage::Sync``/``Storage::Async``, expiry by network
time and its sweep, failures, the server going away, and ``&backend``
tables kept in a bucket.
"""

from __future__ import annotations

import asyncio
import base64
import textwrap

import servers
from natsutil import free_port

from zscript.storage.nats import decode_key, encode_key

HEADER = """
@load base/frameworks/storage/sync
@load base/frameworks/storage/async
@load policy/frameworks/storage/backend/nats
"""


def run(code: str, url: str, **kw) -> tuple[str, str]:
    """Run ``code`` (URL replaced by the server's); see ``servers.run_script``."""
    return servers.run_script("nats.zs", HEADER + textwrap.dedent(code).replace("URL", url), **kw)


def last_messages(url: str, bucket: str) -> dict[str, tuple[bytes, dict]]:
    """Subject -> (data, headers) of the last message of each subject of ``bucket``."""

    async def read():
        import nats

        nc = await nats.connect(url)
        js = nc.jetstream()
        info = await js.stream_info(f"KV_{bucket}", subjects_filter=">")
        out = {}
        for subject in info.state.subjects or {}:
            m = await js.get_msg(f"KV_{bucket}", subject=subject, direct=True)
            hdrs = {k: v for k, v in (m.headers or {}).items() if not k.startswith("Nats-")}
            out[subject] = (m.data or b"", hdrs)
        await nc.close()
        return out

    return asyncio.run(read())


def test_key_encoding_round_trips():
    key = b'JSONv1;"a.b c/\xff"'
    name = encode_key("p.q", key)
    assert name.startswith("p.q.") and name.count(".") == 2
    assert set(name[4:]) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    assert decode_key("p.q", name) == key
    assert decode_key("", encode_key("", key)) == key
    assert decode_key("other", name) is None
    assert decode_key("p", name) is None  # a deeper name: not a key of prefix "p"


def test_sync_operations(nats_server):
    url = nats_server.default.url
    out, err = run(
        """
        event Storage::backend_opened(tag: Storage::Backend, config: any) { print "opened", tag; }
        event Storage::backend_lost(tag: Storage::Backend, config: any, reason: string) {
            print "lost", reason;
        }
        event zeek_init() {
            local opts: Storage::BackendOptions;
            opts$nats = [$url="URL", $bucket="sync", $key_prefix="testing"];
            local res = Storage::Sync::open_backend(Storage::STORAGE_BACKEND_NATS, opts, string, string);
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
            print "put", Storage::Sync::put(b, [$key="key1234", $value="again", $overwrite=F])$code;
            print "put", Storage::Sync::put(b, [$key="kept", $value="v"])$code;
            print "close", Storage::Sync::close_backend(b)$code;
        }
        """,
        url,
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
        "put, Storage::SUCCESS",  # an erased key may be created again without overwrite
        "put, Storage::SUCCESS",
        "close, Storage::SUCCESS",
        "opened, Storage::STORAGE_BACKEND_NATS",
        "lost, Client disconnected",
    ]
    # An ordinary KV bucket: other NATS clients read the entries.
    kept = "$KV.sync.testing." + base64.urlsafe_b64encode(b'JSONv1;"kept"').decode().rstrip("=")
    msgs = last_messages(url, "sync")
    assert msgs[kept] == (b'JSONv1;"v"', {})
    assert len(msgs) == 2  # key1234 and kept


def test_async_operations(nats_server):
    out, err = run(
        """
        redef exit_only_after_terminate = T;
        global b: opaque of Storage::BackendHandle;
        event zeek_init() {
            local opts: Storage::BackendOptions;
            opts$nats = [$url="URL", $bucket="async"];
            when [opts] ( local r = Storage::Async::open_backend(Storage::STORAGE_BACKEND_NATS, opts, count, string_set) ) {
                print "open", r$code;
                b = r$value;
                when ( local p = Storage::Async::put(b, [$key=1, $value=set("a", "b")]) ) {
                    print "put", p$code;
                    when ( local g = Storage::Async::get(b, 1) ) {
                        print "get", |g$value as set[string]|, "b" in (g$value as set[string]);
                        when ( local c = Storage::Async::close_backend(b) ) {
                            print "close", c$code;
                            terminate();
                        } timeout 5sec { print "close timeout"; terminate(); }
                    } timeout 5sec { print "get timeout"; terminate(); }
                } timeout 5sec { print "put timeout"; terminate(); }
            } timeout 5sec { print "open timeout"; terminate(); }
        }
        """,
        nats_server.default.url,
    )
    assert out.splitlines() == [
        "open, Storage::SUCCESS",
        "put, Storage::SUCCESS",
        "get, 2, T",
        "close, Storage::SUCCESS",
    ], err


def test_expiry_by_network_time_and_sweep(nats_server):
    url = nats_server.default.url
    out, err = run(
        """
        redef exit_only_after_terminate = T;
        redef Storage::expire_interval = 200msec;
        global b: opaque of Storage::BackendHandle;
        event check() {
            print Storage::Sync::get(b, "short")$code, Storage::Sync::get(b, "long")$code,
                  Storage::Sync::get(b, "never")$code;
            print Storage::Sync::put(b, [$key="short", $value="new", $overwrite=F])$code;
            terminate();
        }
        event zeek_init() {
            local opts: Storage::BackendOptions;
            opts$nats = [$url="URL", $bucket="exp"];
            b = Storage::Sync::open_backend(Storage::STORAGE_BACKEND_NATS, opts, string, string)$value;
            Storage::Sync::put(b, [$key="short", $value="v", $expire_time=300msec]);
            Storage::Sync::put(b, [$key="long", $value="v", $expire_time=30sec]);
            Storage::Sync::put(b, [$key="never", $value="v"]);
            Storage::Sync::put(b, [$key="gone", $value="v", $expire_time=100msec]);
            schedule 800msec { check() };
        }
        """,
        url,
        virtual_time=False,
    )
    assert out.splitlines() == [
        "Storage::KEY_NOT_FOUND, Storage::SUCCESS, Storage::SUCCESS",
        # An expired entry may be replaced without overwrite.
        "Storage::SUCCESS",
    ], err
    by_key = {
        decode_key("", s.removeprefix("$KV.exp.")): v for s, v in last_messages(url, "exp").items()
    }
    # The sweep purged "gone" in the bucket; "long" carries its expiration time.
    assert by_key[b'JSONv1;"gone"'] == (b"", {"KV-Operation": "PURGE"})
    data, hdrs = by_key[b'JSONv1;"long"']
    assert data == b'JSONv1;"v"' and float(hdrs["Zscript-Expire"]) > 0
    assert by_key[b'JSONv1;"never"'] == (b'JSONv1;"v"', {})
    assert by_key[b'JSONv1;"short"'] == (b'JSONv1;"new"', {})


def test_connection_failures_and_bad_options(nats_server):
    dead = free_port()
    out, err = run(
        f"""
        event zeek_init() {{
            local opts: Storage::BackendOptions;
            opts$nats = [$url="nats://127.0.0.1:{dead}", $connect_timeout=1sec];
            local r = Storage::Sync::open_backend(Storage::STORAGE_BACKEND_NATS, opts, string, string);
            print r$code, /^Connection failed: / in r$error_str;
            print Storage::is_open(r$value), Storage::Sync::get(r$value, "x")$code;
            opts$nats = [$url="URL", $bucket="no.dots"];
            print Storage::Sync::open_backend(Storage::STORAGE_BACKEND_NATS, opts, string, string)$error_str;
            opts$nats = [$url="URL", $key_prefix="a b"];
            print Storage::Sync::open_backend(Storage::STORAGE_BACKEND_NATS, opts, string, string)$error_str;
            local none: Storage::BackendOptions;
            print Storage::Sync::open_backend(Storage::STORAGE_BACKEND_NATS, none, string, string)$error_str;
        }}
        """,
        nats_server.default.url,
    )
    assert out.splitlines() == [
        "Storage::CONNECTION_FAILED, T",
        "F, Storage::NOT_CONNECTED",
        "Failed to open backend Storage::STORAGE_BACKEND_NATS: invalid NATS bucket name"
        " 'no.dots' (letters, digits, - and _)",
        "Failed to open backend Storage::STORAGE_BACKEND_NATS: invalid NATS key prefix"
        " 'a b' (tokens of -/_=A-Za-z0-9 joined by '.')",
        "Failed to open backend Storage::STORAGE_BACKEND_NATS: nats backend options not provided",
    ], err


def test_server_going_away_is_reported_and_never_crashes(nats_server):
    server = nats_server.default
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
            opts$nats = [$url="URL", $bucket="lost"];
            b = Storage::Sync::open_backend(Storage::STORAGE_BACKEND_NATS, opts, string, string)$value;
            print "put", Storage::Sync::put(b, [$key="k", $value="v"])$code;
            schedule 10sec { watchdog() };
        }
        """,
        server.url,
        virtual_time=False,
        during=server.stop,
    )
    assert out.splitlines() == [
        "put, Storage::SUCCESS",
        "lost, Storage::STORAGE_BACKEND_NATS, Server closed the connection",
        "sync get, Storage::NOT_CONNECTED",
        "async put, Storage::NOT_CONNECTED",
    ], err


def test_backend_table_kept_in_a_bucket(nats_server):
    """``&backend=Broker::NATS``: the master writes the table to the bucket and
    a later process (a restart) starts with its entries."""
    url = nats_server.default.url
    decl = """
        redef Broker::table_store_nats_url = "URL";
        global hosts: table[string] of count &backend=Broker::NATS;
        global seen: set[count] &backend=Broker::NATS;
    """
    out, err = run(
        decl
        + """
        event zeek_init() {
            hosts["10.0.0.1"] = 3;
            hosts["10.0.0.2"] = 4;
            add seen[7];
            add seen[8];
            delete seen[8];
        }
        """,
        url,
    )
    assert (out, err) == ("", "")
    subjects = set(last_messages(url, "zeek_tables"))
    assert any(s.startswith("$KV.zeek_tables.___sync_store_hosts.") for s in subjects)
    out, err = run(
        decl
        + """
        event zeek_init() {
            print |hosts|, hosts["10.0.0.1"], hosts["10.0.0.2"];
            print |seen|, 7 in seen, 8 in seen;
        }
        """,
        url,
    )
    assert out.splitlines() == ["2, 3, 4", "1, T, F"], err


def test_reconnects_after_a_server_restart(nats_server):
    """The server goes away and comes back on its port with its store: the
    backend reports the loss, then is open again, and the entry written
    before is read after."""
    server = nats_server.default

    def restart() -> None:
        server.stop()
        server.start()

    out, err = run(
        """
        redef exit_only_after_terminate = T;
        global b: opaque of Storage::BackendHandle;
        global lost = F;
        global done = F;
        event Storage::backend_lost(tag: Storage::Backend, config: any, reason: string) {
            lost = T;
            print "lost", reason;
            print "while lost", Storage::Sync::get(b, "k")$code;
        }
        event Storage::backend_opened(tag: Storage::Backend, config: any) {
            if ( ! lost )
                return;
            print "back", tag;
            when ( local r = Storage::Async::get(b, "k") ) {
                print "get", r$code, r$value;
                done = T;
                terminate();
            } timeout 5sec { print "timeout"; terminate(); }
        }
        event watchdog() { if ( ! done ) { print "not back within 20s"; terminate(); } }
        event zeek_init() {
            local opts: Storage::BackendOptions;
            opts$nats = [$url="URL", $bucket="restart"];
            b = Storage::Sync::open_backend(Storage::STORAGE_BACKEND_NATS, opts, string, string)$value;
            print "put", Storage::Sync::put(b, [$key="k", $value="v"])$code;
            schedule 20sec { watchdog() };
        }
        """,
        server.url,
        virtual_time=False,
        during=restart,
    )
    assert out.splitlines() == [
        "put, Storage::SUCCESS",
        "lost, Server closed the connection",
        "while lost, Storage::NOT_CONNECTED",
        "back, Storage::STORAGE_BACKEND_NATS",
        "get, Storage::SUCCESS, v",
    ], err
