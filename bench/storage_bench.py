"""Storage throughput: the script API against raw ``sqlite3``, ``redis-py`` and ``nats-py``.

Usage::

    python bench/storage_bench.py            # 3k puts / 10k gets, 9 repetitions
    python bench/storage_bench.py --quick    # 1k / 4k, 3 repetitions
    python bench/storage_bench.py --quick --reps 1   # the smoke test's size

Rows (operations per second, higher is better; ratio = zscript / raw, the
target is >= 70 %):

* ``sqlite put`` / ``sqlite get``: a zscript function runs
  ``Storage::Sync::put(b, [$key=fmt("key-%d", i), $value="value"])`` (or
  ``get``) in a ``while`` loop on a ``Storage::STORAGE_BACKEND_SQLITE``
  handle opened with Zeek's default pragmas (WAL, ``synchronous=normal``,
  ``temp_store=memory``).  The raw side is a Python loop running the same
  upsert / select on an ``sqlite3`` connection with the same pragmas, in
  autocommit mode, storing the same bytes (Zeek's ``JSONv1;"key-N"``) and
  decoding the values it reads with ``json.loads``, as a hand-written
  program sharing the file with Zeek would.  For gets, the last column
  also shows raw reads that do not decode the value at all.
* ``redis put`` / ``redis get``: the same loops on a
  ``Storage::STORAGE_BACKEND_REDIS`` handle (its commands run on the
  storage I/O thread's asyncio client) against ``redis.Redis.set``/``get``
  (one connection, one command per round trip, same bytes) on the same server, which
  the benchmark starts on a free port (skipped when ``redis-server`` or the
  ``redis`` package is missing).
* ``nats put`` / ``nats get``: the same loops on a
  ``Storage::STORAGE_BACKEND_NATS`` handle (a JetStream key-value bucket,
  client on the storage I/O thread) against nats-py's own
  ``KeyValue.put``/``get`` awaited one after the other in an asyncio loop
  (same bytes, one bucket per side and repetition) on a ``nats-server -js``
  the benchmark starts on a free port (skipped without ``nats-server`` or
  the ``nats-py`` package).

* ``sqlite async put`` / ``sqlite async get``: the asynchronous loop of
  the ``redis async`` rows below on an SQLite handle (operations collected in a round of the event loop
  go to the backend's thread together, in one transaction) against
  ``sqlite3`` upserting all keys in one transaction, then selecting them
  one by one (target >= 50 %).

* ``redis async put`` / ``redis async get``: ``Storage::Async::put``/``get``
  with 100 operations in flight (each completion starts the next) in a
  host running its event loop, against ``redis-benchmark -P 16 -t set,get``
  (16 commands per pipeline, 50 clients) on the same server in the same
  run: operations in flight together share the connection's pipeline
  (target >= 50 %).

* ``redis client put`` / ``get`` (a second table): the Redis clients on
  their own, without a script, each with 100 commands in flight on one
  asyncio loop and each reply starting the next command: our pipelined
  connection (:mod:`zscript.storage.resp`, what a script's backend uses),
  against redis-py's ``redis.asyncio`` used in the two ways it offers for
  commands in flight together: 100 coroutines awaiting ``set``/``get`` on
  one client (its pool opens a connection per coroutine), and one
  connection with the commands of a loop round sent as one
  ``pipeline(transaction=False)``.  ``ratio`` = ours / the faster of the two.

The script is loaded and compiled once (not timed); the timed region is a
direct call of the compiled zscript function (``host.ns``), as in
``bench/run.py``.  Each repetition runs both sides alternately on fresh
files / key prefixes.  ``ratio`` compares the medians; ``best-r`` the
fastest samples of each side, which is steadier when other processes
compete for the CPU (the target applies to it).
"""

from __future__ import annotations

import argparse
import gc
import io
import json
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from report import Report, add_json_argument

from zscript.diagnostics import SourceFile
from zscript.host import Host
from zscript.runtime.addresses import make_port

SCRIPT = """
@load base/frameworks/storage/sync
@load policy/frameworks/storage/backend/sqlite
@load policy/frameworks/storage/backend/redis
@load policy/frameworks/storage/backend/nats

global b: opaque of Storage::BackendHandle;

function open_sqlite(path: string): bool {
    local opts: Storage::BackendOptions;
    opts$sqlite = [$database_path=path, $table_name="bench"];
    local r = Storage::Sync::open_backend(Storage::STORAGE_BACKEND_SQLITE, opts, string, string);
    b = r$value;
    return r$code == Storage::SUCCESS;
}

function open_redis(p: port, prefix: string): bool {
    local opts: Storage::BackendOptions;
    opts$redis = [$server_host="127.0.0.1", $server_port=p, $key_prefix=prefix];
    local r = Storage::Sync::open_backend(Storage::STORAGE_BACKEND_REDIS, opts, string, string);
    b = r$value;
    return r$code == Storage::SUCCESS;
}

function open_nats(url: string, bucket: string): bool {
    local opts: Storage::BackendOptions;
    opts$nats = [$url=url, $bucket=bucket];
    local r = Storage::Sync::open_backend(Storage::STORAGE_BACKEND_NATS, opts, string, string);
    b = r$value;
    return r$code == Storage::SUCCESS;
}

function close(): bool {
    return Storage::Sync::close_backend(b)$code == Storage::SUCCESS;
}

function puts(n: count): count {
    local i = 0;
    local ok = 0;
    while ( i < n ) {
        if ( Storage::Sync::put(b, [$key=fmt("key-%d", i), $value="value"])$code == Storage::SUCCESS )
            ++ok;
        ++i;
    }
    return ok;
}

function gets(n: count): count {
    local i = 0;
    local ok = 0;
    while ( i < n ) {
        if ( Storage::Sync::get(b, fmt("key-%d", i % 1000))$code == Storage::SUCCESS )
            ++ok;
        ++i;
    }
    return ok;
}
"""

PRAGMAS = ("pragma quick_check", "pragma journal_mode = WAL", "pragma synchronous = normal",
           "pragma temp_store = memory")  # fmt: skip


class Script:
    def __init__(self):
        self.host = Host(virtual_time=True, stdout=io.StringIO())
        self.host.load_source(SourceFile("storage_bench.zs", SCRIPT))
        self.host.finish_loading()

    def fn(self, name: str):
        return self.host.ns[self.host.checker.globals[name].py_name]


def timed(fn, *args) -> tuple[float, object]:
    gc.collect()
    gc.disable()
    try:
        t0 = time.perf_counter()
        r = fn(*args)
        return time.perf_counter() - t0, r
    finally:
        gc.enable()


# ------------------------------------------------------------------ raw sides

RAW_PUT = (
    "insert into bench (key_str, value_str, expire_time) values (?, ?, ?) "
    "on conflict(key_str) do update set value_str=excluded.value_str, "
    "expire_time=excluded.expire_time"
)
RAW_GET = "select value_str from bench where key_str=? and (expire_time > ? or expire_time == 0.0)"


def raw_db(path: Path) -> sqlite3.Connection:
    """An autocommit ``sqlite3`` connection with Zeek's pragmas and table."""
    db = sqlite3.connect(path, isolation_level=None)
    for p in PRAGMAS:
        db.execute(p).fetchall()
    db.execute(
        "create table if not exists bench (key_str blob primary key, value_str blob not null,"
        " expire_time real)"
    )
    return db


def raw_sqlite(path: Path, n_put: int, n_get: int) -> tuple[float, float]:
    db = raw_db(path)
    put, get = RAW_PUT, RAW_GET

    def puts():
        for i in range(n_put):
            db.execute(put, (b'JSONv1;"key-%d"' % i, b'JSONv1;"value"', 0.0))
        return n_put

    def gets():
        ok = 0
        for i in range(n_get):
            row = db.execute(get, (b'JSONv1;"key-%d"' % (i % 1000), 1.0)).fetchone()
            if row is not None and json.loads(row[0][7:]) == "value":
                ok += 1
        return ok

    def gets_bytes():
        ok = 0
        for i in range(n_get):
            if db.execute(get, (b'JSONv1;"key-%d"' % (i % 1000), 1.0)).fetchone() is not None:
                ok += 1
        return ok

    tp, _ = timed(puts)
    tg, ok = timed(gets)
    tb, ok2 = timed(gets_bytes)
    assert ok == ok2 == n_get
    db.close()
    return tp, tg, tb


def raw_sqlite_transaction(path: Path, n: int) -> tuple[float, float]:
    """Seconds for ``n`` upserts in one transaction, then ``n`` selects
    (decoding the value), on an ``sqlite3`` connection with Zeek's pragmas."""
    db = raw_db(path)
    put, get = RAW_PUT, RAW_GET

    def puts():
        db.execute("begin")
        for i in range(n):
            db.execute(put, (b'JSONv1;"key-%d"' % i, b'JSONv1;"value"', 0.0))
        db.execute("commit")

    def gets():
        ok = 0
        for i in range(n):
            row = db.execute(get, (b'JSONv1;"key-%d"' % i, 1.0)).fetchone()
            if row is not None and json.loads(row[0][7:]) == "value":
                ok += 1
        return ok

    tp, _ = timed(puts)
    tg, ok = timed(gets)
    assert ok == n
    db.close()
    return tp, tg


def raw_redis(port: int, prefix: str, n_put: int, n_get: int) -> tuple[float, float]:
    import redis

    r = redis.Redis(host="127.0.0.1", port=port)
    r.ping()

    pre = prefix.encode() + b':JSONv1;"key-%d"'

    def puts():
        for i in range(n_put):
            r.set(pre % i, b'JSONv1;"value"')
        return n_put

    def gets():
        ok = 0
        for i in range(n_get):
            v = r.get(pre % (i % 1000))
            if v is not None and json.loads(v[7:]) == "value":
                ok += 1
        return ok

    def gets_bytes():
        ok = 0
        for i in range(n_get):
            if r.get(pre % (i % 1000)) is not None:
                ok += 1
        return ok

    tp, _ = timed(puts)
    tg, ok = timed(gets)
    tb, ok2 = timed(gets_bytes)
    assert ok == ok2 == n_get
    r.close()
    return tp, tg, tb


def raw_nats(url: str, bucket: str, n_put: int, n_get: int) -> tuple[float, float]:
    import asyncio

    import nats

    async def run():
        nc = await nats.connect(url)
        kv = await nc.jetstream().create_key_value(bucket=bucket, history=1, direct=True)
        value = b'JSONv1;"value"'

        async def puts():
            for i in range(n_put):
                await kv.put(f"key-{i}", value)
            return n_put

        async def gets():
            ok = 0
            for i in range(n_get):
                e = await kv.get(f"key-{i % 1000}")
                if json.loads(e.value[7:]) == "value":
                    ok += 1
            return ok

        out = []
        for fn in (puts, gets):
            gc.collect()
            gc.disable()
            try:
                t0 = time.perf_counter()
                ok = await fn()
                out.append(time.perf_counter() - t0)
            finally:
                gc.enable()
            assert ok == (n_put if fn is puts else n_get)
        await nc.close()
        return out

    tp, tg = asyncio.run(run())
    return tp, tg, None


def script_side(script: Script, opener, args, n_put: int, n_get: int) -> tuple[float, float]:
    assert script.fn(opener)(*args)
    tp, ok = timed(script.fn("puts"), n_put)
    assert ok == n_put, ok
    tg, ok = timed(script.fn("gets"), n_get)
    assert ok == n_get, ok
    assert script.fn("close")()
    return tp, tg, None


# ------------------------------------------------------- redis, operations in flight

ASYNC_SCRIPT = """
@load base/frameworks/storage/sync
@load base/frameworks/storage/async
@load policy/frameworks/storage/backend/redis
@load policy/frameworks/storage/backend/sqlite
redef exit_only_after_terminate = T;

global n_ops: count = 1000 &redef;
global in_flight: count = 100 &redef;
global port_: port = 6379/tcp &redef;
global path: string = "" &redef;
global b: opaque of Storage::BackendHandle;
global started = 0;
global finished = 0;
global phase = "put";
global t0: time;
global op_done: function();

function start_op()
    {
    if ( started >= n_ops )
        return;
    local i = started;
    ++started;
    if ( phase == "put" )
        when [i] ( local p = Storage::Async::put(b, [$key=fmt("key-%d", i), $value="value"]) )
            { if ( p$code != Storage::SUCCESS ) print "failed", p$code; op_done(); }
        timeout 30sec { print "timeout"; terminate(); }
    else
        when [i] ( local g = Storage::Async::get(b, fmt("key-%d", i)) )
            { if ( g$code != Storage::SUCCESS ) print "failed", g$code; op_done(); }
        timeout 30sec { print "timeout"; terminate(); }
    }

function start_phase(name: string)
    {
    phase = name;
    started = 0;
    finished = 0;
    t0 = current_time();
    local k = 0;
    while ( k < in_flight )
        {
        start_op();
        ++k;
        }
    }

function op_done()
    {
    ++finished;
    if ( finished < n_ops )
        {
        start_op();
        return;
        }
    print fmt("%s %.6f", phase, time_to_double(current_time()) - time_to_double(t0));
    if ( phase == "put" )
        start_phase("get");
    else
        terminate();
    }

event zeek_init()
    {
    local opts: Storage::BackendOptions;
    local r: Storage::OperationResult;
    if ( path == "" )
        {
        opts$redis = [$server_host="127.0.0.1", $server_port=port_, $key_prefix="async"];
        r = Storage::Sync::open_backend(Storage::STORAGE_BACKEND_REDIS, opts, string, string);
        }
    else
        {
        opts$sqlite = [$database_path=path, $table_name="bench"];
        r = Storage::Sync::open_backend(Storage::STORAGE_BACKEND_SQLITE, opts, string, string);
        }
    b = r$value;
    start_phase("put");
    }
"""


def async_ops(n: int, in_flight: int, *, port: int = 0, path: str = "") -> tuple[float, float]:
    """Seconds for ``n`` async puts, then ``n`` gets, ``in_flight`` at a time,
    on the Redis server at ``port`` or the SQLite file ``path``."""
    out = io.StringIO()
    host = Host(stdout=out)
    src = ASYNC_SCRIPT + f"redef n_ops = {n};\nredef in_flight = {in_flight};\n"
    src += f"redef port_ = {port}/tcp;\nredef path = {json.dumps(path)};\n"
    host.load_source(SourceFile("async_bench.zs", src))
    host.finish_loading()
    # As `zscript run` does (zscript/cli.py): what loading made lives as long
    # as the process, out of the cyclic collector's sight.
    gc.collect()
    gc.freeze()
    try:
        assert host.run() == 0
        host.subsystems["storage"].close()
    finally:
        gc.unfreeze()
    times = dict(line.split() for line in out.getvalue().splitlines())
    assert set(times) == {"put", "get"}, out.getvalue()
    return float(times["put"]), float(times["get"])


def redis_benchmark(port: int, n: int) -> dict[str, float] | None:
    """``redis-benchmark -P 16 -t set,get``: requests/s by command (None without it)."""
    exe = shutil.which("redis-benchmark")
    if exe is None:
        return None
    out = subprocess.run(
        [exe, "-h", "127.0.0.1", "-p", str(port), "-P", "16", "-t", "set,get", "-n", str(n), "-q"],
        capture_output=True, text=True, timeout=120, check=True,
    ).stdout  # fmt: skip
    rates = {}
    for line in out.replace("\r", "\n").splitlines():
        name, sep, rest = line.partition(":")
        if sep and "requests per second" in rest:
            rates[name.strip().lower()] = float(rest.split()[0])
    return rates


# ------------------------------------------------- redis clients, without a script

CLIENT_IN_FLIGHT = 100


def redis_clients(port: int, n: int) -> dict[str, tuple[float, float]]:
    """``{client: (puts/s, gets/s)}`` for ``n`` SETs then ``n`` GETs, 100 in flight."""
    import asyncio

    out = {}
    for name, side in (("resp.py", _resp_side), ("redis.asyncio pool", _pool_side),
                       ("redis.asyncio pipeline", _pipeline_side)):  # fmt: skip
        gc.collect()
        gc.disable()
        try:
            tp, tg = asyncio.run(side(port, n, f"c{len(out)}{time.monotonic_ns()}"))
        finally:
            gc.enable()
        out[name] = (n / tp, n / tg)
    return out


def _commands(prefix: str, n: int):
    key = prefix.encode() + b':JSONv1;"key-%d"'
    value = b'JSONv1;"value"'
    return [(b"SET", key % i, value) for i in range(n)], [(b"GET", key % i) for i in range(n)]


async def _resp_side(port: int, n: int, prefix: str) -> tuple[float, float]:
    """Our pipelined connection: a reply's callback sends the next command."""
    import asyncio

    from zscript.storage.resp import RespPipe, encode

    aloop = asyncio.get_running_loop()

    class _Loop:  # the part of the host's event loop a RespPipe uses
        def add_io(self, start):
            start(aloop)

    pipe = RespPipe.connect(("127.0.0.1", port), 5.0, 5.0)
    pipe.attach(_Loop())
    times = []
    for commands in _commands(prefix, n):
        encoded = [encode(c) for c in commands]
        done = aloop.create_future()
        state = [0, 0]  # started, finished

        def on_reply(reply, encoded=encoded, state=state, done=done):
            state[1] += 1
            if state[0] < n:
                pipe.send(encoded[state[0]], on_reply)
                state[0] += 1
            elif state[1] == n:
                done.set_result(None)

        t0 = time.perf_counter()
        while state[0] < min(n, CLIENT_IN_FLIGHT):
            pipe.send(encoded[state[0]], on_reply)
            state[0] += 1
        await done
        times.append(time.perf_counter() - t0)
    pipe.close(5.0)
    return times[0], times[1]


async def _pool_side(port: int, n: int, prefix: str) -> tuple[float, float]:
    """redis.asyncio: 100 coroutines awaiting commands on one client."""
    import asyncio

    import redis.asyncio as aredis

    client = aredis.Redis(host="127.0.0.1", port=port)
    await asyncio.gather(*(client.ping() for _ in range(CLIENT_IN_FLIGHT)))  # open the pool
    times = []
    for commands in _commands(prefix, n):
        it = iter(commands)

        async def worker(it=it):
            for c in it:
                await client.execute_command(*c)

        t0 = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(CLIENT_IN_FLIGHT)))
        times.append(time.perf_counter() - t0)
    await client.aclose()
    return times[0], times[1]


async def _pipeline_side(port: int, n: int, prefix: str) -> tuple[float, float]:
    """redis.asyncio: one connection; the commands of a loop round go as one pipeline."""
    import asyncio

    import redis.asyncio as aredis

    client = aredis.Redis(host="127.0.0.1", port=port, single_connection_client=True)
    await client.ping()
    aloop = asyncio.get_running_loop()
    queued: list = []
    sender = [None]

    async def send_queued():
        while queued:
            await asyncio.sleep(0)  # let the commands of this round join
            batch = queued[:]
            del queued[:]
            pipe = client.pipeline(transaction=False)
            for c, _f in batch:
                pipe.execute_command(*c)
            for (_c, f), r in zip(batch, await pipe.execute(raise_on_error=False), strict=True):
                f.set_result(r)
        sender[0] = None

    def command(c):
        f = aloop.create_future()
        queued.append((c, f))
        if sender[0] is None:
            sender[0] = aloop.create_task(send_queued())
        return f

    times = []
    for commands in _commands(prefix, n):
        it = iter(commands)

        async def worker(it=it):
            for c in it:
                await command(c)

        t0 = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(CLIENT_IN_FLIGHT)))
        times.append(time.perf_counter() - t0)
    await client.aclose()
    return times[0], times[1]


# ---------------------------------------------------------------- redis server


def serve(exe: str, args) -> tuple[subprocess.Popen | None, int | None]:
    """Start server ``exe`` with ``args(port)`` on a free port of 127.0.0.1;
    ``(process, port)`` once it accepts connections, else ``(None, None)``."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [exe, *args(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    for _ in range(400):
        try:
            socket.create_connection(("127.0.0.1", port), 0.1).close()
            return proc, port
        except OSError:
            time.sleep(0.025)
    proc.terminate()
    proc.wait()
    return None, None


def start_redis(directory: Path):
    exe = shutil.which("redis-server")
    try:
        import redis  # noqa: F401
    except ImportError:
        exe = None
    if exe is None:
        return None, None
    return serve(exe, lambda port: [
        "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
        "--dir", str(directory)])  # fmt: skip


def start_nats(directory: Path):
    """``(process, url)`` of a ``nats-server -js`` storing in ``directory``/nats."""
    exe = shutil.which("nats-server")
    try:
        import nats  # noqa: F401
    except ImportError:
        exe = None
    if exe is None:
        return None, None
    proc, port = serve(
        exe,
        lambda port: ["-js", "-sd", str(directory / "nats"), "-a", "127.0.0.1", "-p", str(port)],
    )
    return proc, (f"nats://127.0.0.1:{port}" if proc is not None else None)


# ------------------------------------------------------------------------ main


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--reps", type=int, help="repetitions (medians reported)")
    add_json_argument(ap)
    args = ap.parse_args(argv)
    n_put, n_get, reps = (1000, 4000, 3) if args.quick else (3000, 10000, 9)
    reps = args.reps or reps
    script = Script()
    samples: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        redis_proc, port = start_redis(tmp)
        nats_proc, nats_url = start_nats(tmp)
        try:
            for rep in range(reps + 1):  # the first round warms up
                sides = [
                    ("zscript", "sqlite", lambda rep=rep: script_side(
                        script, "open_sqlite", (str(tmp / f"z{rep}.sqlite"),), n_put, n_get)),
                    ("raw", "sqlite", lambda rep=rep: raw_sqlite(tmp / f"r{rep}.sqlite", n_put, n_get)),
                ]  # fmt: skip
                if port is not None:
                    zport = make_port(port, "tcp")
                    sides += [
                        ("zscript", "redis", lambda rep=rep, zport=zport: script_side(
                            script, "open_redis", (zport, f"z{rep}"), n_put, n_get)),
                        ("raw", "redis", lambda rep=rep: raw_redis(port, f"r{rep}", n_put, n_get)),
                    ]  # fmt: skip
                if nats_url is not None:
                    sides += [
                        ("zscript", "nats", lambda rep=rep: script_side(
                            script, "open_nats", (nats_url, f"z{rep}"), n_put, n_get)),
                        ("raw", "nats", lambda rep=rep: raw_nats(nats_url, f"r{rep}", n_put, n_get)),
                    ]  # fmt: skip
                if rep % 2:
                    sides.reverse()
                for who, backend, run in sides:
                    tp, tg, tb = run()
                    if rep:
                        samples.setdefault(f"{backend} put {who}", []).append(n_put / tp)
                        samples.setdefault(f"{backend} get {who}", []).append(n_get / tg)
                        if tb is not None:
                            samples.setdefault(f"{backend} get bytes", []).append(n_get / tb)
            if port is not None and shutil.which("redis-benchmark"):
                for rep in range(1 if args.quick else 3):
                    n_async = n_put if args.quick else 10 * n_put
                    order = ["zscript", "raw"][:: -1 if rep % 2 else 1]
                    for who in order:
                        if who == "zscript":
                            tp, tg = async_ops(n_async, 100, port=port)
                            put_rate, get_rate = n_async / tp, n_async / tg
                        else:
                            rates = redis_benchmark(port, 10 * n_async)
                            put_rate, get_rate = rates["set"], rates["get"]
                        samples.setdefault(f"redis async put {who}", []).append(put_rate)
                        samples.setdefault(f"redis async get {who}", []).append(get_rate)
            if port is not None:
                for _rep in range(1 if args.quick else 3):
                    n_client = n_put if args.quick else 10 * n_put
                    for name, rates in redis_clients(port, n_client).items():
                        samples.setdefault(f"client put {name}", []).append(rates[0])
                        samples.setdefault(f"client get {name}", []).append(rates[1])
            for rep in range(1 if args.quick else 3):
                n_async = n_put if args.quick else 10 * n_put
                for who in ["zscript", "raw"][:: -1 if rep % 2 else 1]:
                    path = tmp / f"async-{who}{rep}.sqlite"
                    if who == "zscript":
                        tp, tg = async_ops(n_async, 100, path=str(path))
                    else:
                        tp, tg = raw_sqlite_transaction(path, n_async)
                    samples.setdefault(f"sqlite async put {who}", []).append(n_async / tp)
                    samples.setdefault(f"sqlite async get {who}", []).append(n_async / tg)
        finally:
            if redis_proc is not None:
                redis_proc.terminate()
                redis_proc.wait()
            if nats_proc is not None:
                nats_proc.terminate()
                nats_proc.wait()
    print(
        f"{'operation':<16} {'zscript/s':>10} {'raw/s':>10} {'ratio':>6} {'best-r':>7}"
        "   raw without decoding"
    )
    worst = None
    report = Report()
    for backend in ("sqlite", "sqlite async", "redis", "redis async", "nats"):
        for op in ("put", "get"):
            z = samples.get(f"{backend} {op} zscript")
            r = samples.get(f"{backend} {op} raw")
            if not z or not r:
                server = backend.split()[0]
                print(f"{backend + ' ' + op:<16} skipped (no {server}-server / client package)")
                continue
            zm, rm = statistics.median(z), statistics.median(r)
            best = max(z) / max(r)
            worst = best if worst is None else min(worst, best)
            extra = ""
            rb = samples.get(f"{backend} {op} bytes") if op == "get" else None
            if rb:
                extra = f"   {statistics.median(rb):>10,.0f}/s (best-r {max(z) / max(rb):.0%})"
            print(
                f"{backend + ' ' + op:<16} {zm:>10,.0f} {rm:>10,.0f} {zm / rm:>6.0%} {best:>7.0%}{extra}"
            )
            target = 0.5 if backend.endswith("async") else 0.7
            name = backend.replace(" ", "_")
            report.add(f"{name}_{op}", zm, "ops/s", zm / rm, baseline=rm, target=target)
    if worst is not None:
        print(
            "(target: >= 70% of raw, async >= 50% of redis-benchmark -P 16 / of sqlite3 in one"
            f" transaction; worst best-r {worst:.0%})"
        )
    client_table(samples, report)
    report.write(args.json)
    return 0


def client_table(samples: dict[str, list[float]], report: Report) -> None:
    """The Redis clients' table and rows (nothing without a Redis server)."""
    names = ("resp.py", "redis.asyncio pipeline", "redis.asyncio pool")
    if not samples.get("client put resp.py"):
        return
    print(f"\n{'redis client, 100 in flight':<28} {'put/s':>10} {'get/s':>10}")
    for name in names:
        med = [statistics.median(samples[f"client {op} {name}"]) for op in ("put", "get")]
        print(f"{name:<28} {med[0]:>10,.0f} {med[1]:>10,.0f}")
    for op in ("put", "get"):
        ours = statistics.median(samples[f"client {op} resp.py"])
        theirs = max(statistics.median(samples[f"client {op} {n}"]) for n in names[1:])
        report.add(f"redis_client_{op}", ours, "ops/s", ours / theirs, baseline=theirs)
    print("(ratio in JSON: resp.py / the faster redis.asyncio way)")


if __name__ == "__main__":
    sys.exit(main())
