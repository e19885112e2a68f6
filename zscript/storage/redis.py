"""``Storage::STORAGE_BACKEND_REDIS``: entries in a Redis server (``redis.asyncio``).

Options (``Storage::Backend::Redis::Options``, field ``$redis``):
``server_host`` + ``server_port`` or ``server_unix_socket``, ``key_prefix``,
``connect_timeout`` and ``operation_timeout`` (5 s each; an operation
exceeding it returns ``TIMEOUT``), ``username``/``password`` (sent as
``AUTH``).  Needs the ``redis`` package (``pip install 'zscript[redis]'``)
and a Redis server 6.2 or newer (checked with ``INFO server`` at open).

As in Zeek (``src/storage/backend/redis/Redis.cc``), a key is stored as
``<key_prefix>:<serialized key>`` with ``SET`` (``NX`` without overwrite,
``PXAT`` for an expiration time, so Redis expires entries itself), read
with ``GET`` and removed with ``DEL``.

A backend opened by a script runs its commands over one pipelined
connection (:mod:`.resp`) driven by the host's own event loop: a
synchronous call sends its command behind those in flight and waits for
the reply; asynchronous ones (``Storage::Async``) are queued, the
commands queued in one round of the loop go out in one write, and every
reply read in one wake-up completes its operation there, so 100 operations
in flight cost about one round trip and no thread hand-over.  Used
without a host (the Python API's ``*_async`` methods), the hooks are
coroutines on the shared storage I/O loop (:class:`~.aio.IOThread`) with
redis-py's asyncio client, where commands issued while others are on their
way are sent together as one pipeline (``transaction=False``: each keeps
its own reply or error).  A second
connection, subscribed to an unused channel, notices when the server goes
away: the backend then reports ``Storage::backend_lost`` ("Server closed
the connection") and later operations return ``NOT_CONNECTED`` instead of
waiting.  Closing the backend reports ``backend_lost`` with "Client
disconnected", as Zeek does.  There is no automatic reconnection; open the
backend again.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid

from .backend import (
    AsyncStorageBackend,
    ConfigError,
    OperationResult,
    ReturnCode,
    record_field,
)
from .resp import ReplyError, RespPipe, encode

__all__ = ["REQUIRED_VERSION", "RedisBackend"]

_SET = b"*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n"
_GET = b"*2\r\n$3\r\nGET\r\n$%d\r\n%s\r\n"
_DEL = b"*2\r\n$3\r\nDEL\r\n$%d\r\n%s\r\n"

#: Oldest server version accepted (Zeek's requirement: ``PXAT`` needs 6.2).
REQUIRED_VERSION = (6, 2, 0)


class RedisBackend(AsyncStorageBackend):
    tag = "STORAGE_BACKEND_REDIS"
    native_expiry = True
    written_counts_key = True

    def __init__(self) -> None:
        super().__init__()
        self._client = None
        #: The pipelined connection (.resp) of synchronous calls and of
        #: asynchronous ones on the host's loop.
        self._pipe: RespPipe | None = None
        self._monitor: asyncio.Task | None = None
        self._prefix = b""
        self.connected = False
        #: Commands waiting for the next pipeline: (args, options, future).
        self._queued: list[tuple] = []
        self._sender: asyncio.Task | None = None
        #: Pipelines sent (more than one command each), for tests.
        self.pipelines = 0

    # ------------------------------------------------------------ configure

    @classmethod
    def config_from_options(cls, options) -> dict:
        r = record_field(options, "redis")
        if r is None:
            raise ConfigError("redis backend options not provided")
        host = record_field(r, "server_host")
        port = record_field(r, "server_port")
        sock = record_field(r, "server_unix_socket")
        if host is not None and port is None:
            raise ConfigError(
                "server_port must be set if server_host is set in Redis options record",
                ReturnCode.CONNECTION_FAILED,
            )
        if host is None and sock is None:
            raise ConfigError(
                "Either server_host/server_port or server_unix_socket must be set in Redis "
                "options record",
                ReturnCode.CONNECTION_FAILED,
            )
        return {
            "server_host": host,
            "server_port": getattr(port, "num", port) if port is not None else 6379,
            "server_unix_socket": sock if host is None else None,
            "key_prefix": record_field(r, "key_prefix", ""),
            "connect_timeout": float(record_field(r, "connect_timeout", 5.0)),
            "operation_timeout": float(record_field(r, "operation_timeout", 5.0)),
            "username": record_field(r, "username"),
            "password": record_field(r, "password"),
        }

    def config_label(self) -> str:
        """``<host>:<port>-<key_prefix>`` (or the socket path); under test
        (``running_under_test``) ``server_addr-<key_prefix>``, as Zeek
        keeps the port, which differs from run to run, out of it."""
        c = self.config
        if c.get("running_under_test"):
            return f"server_addr-{c.get('key_prefix', '')}"
        where = c.get("server_unix_socket") or f"{c.get('server_host')}:{c.get('server_port')}"
        return f"{where}-{c.get('key_prefix', '')}"

    def _client_kwargs(self, config: dict, *, socket_timeout, blocking: bool = False) -> dict:
        from redis.backoff import NoBackoff

        if blocking:
            from redis.retry import Retry
        else:
            from redis.asyncio.retry import Retry
        kw = {
            "socket_connect_timeout": config["connect_timeout"],
            "socket_timeout": socket_timeout,
            "retry": Retry(NoBackoff(), 0),
            "username": config.get("username") or None,
            "password": config.get("password") or None,
        }
        if config.get("server_unix_socket"):
            kw["unix_socket_path"] = config["server_unix_socket"]
        else:
            kw["host"] = config["server_host"]
            kw["port"] = int(config["server_port"])
        return kw

    # ----------------------------------------------------------------- open

    async def _do_open(self, config: dict) -> OperationResult:
        try:
            import redis.asyncio as aioredis
            from redis import exceptions as rexc
        except ImportError:
            return OperationResult(
                ReturnCode.INITIALIZATION_FAILED,
                "the redis package is not installed (pip install 'zscript[redis]')",
            )
        self.op_timeout = config["operation_timeout"]
        self._prefix = config["key_prefix"].encode("latin-1") + b":"
        kw = self._client_kwargs(config, socket_timeout=config["operation_timeout"])
        client = aioredis.Redis(single_connection_client=True, **kw)
        try:
            info = await client.info("server")
        except rexc.AuthenticationError as e:
            await _close_client(client)
            return OperationResult(
                ReturnCode.CONNECTION_FAILED,
                f"AUTH command failed to authenticate: {_server_reply(e)}",
            )
        except (TimeoutError, rexc.RedisError, OSError) as e:
            await _close_client(client)
            return OperationResult(
                ReturnCode.CONNECTION_FAILED, f"Connection failed: {e or 'timeout'}"
            )
        version = str(info.get("redis_version", ""))
        if not version:
            await _close_client(client)
            return OperationResult(
                ReturnCode.CONNECTION_FAILED, "INFO command did not return server version"
            )
        if _version(version) < REQUIRED_VERSION:
            await _close_client(client)
            need = ".".join(map(str, REQUIRED_VERSION))
            return OperationResult(
                ReturnCode.CONNECTION_FAILED,
                f"Redis server version is too low: Found {version}, need {need}",
            )
        try:
            self._pipe = _connect_pipe(config)
        except (OSError, ReplyError) as e:
            await _close_client(client)
            return OperationResult(ReturnCode.CONNECTION_FAILED, f"Connection failed: {e}")
        self._pipe.on_broken = lambda e: self._lost(_reason(e))
        self._client = client
        self.connected = True
        self._monitor = asyncio.get_running_loop().create_task(self._watch(config))
        return OperationResult(ReturnCode.SUCCESS)

    async def _watch(self, config: dict) -> None:
        """Wait on an idle subscribed connection; its end means the server went away."""
        import redis.asyncio as aioredis
        from redis import exceptions as rexc

        mon = aioredis.Redis(**self._client_kwargs(config, socket_timeout=None))
        conn = mon.connection_pool.make_connection()
        try:
            await conn.connect()
            await conn.send_command("SUBSCRIBE", f"__zscript_storage_{uuid.uuid4().hex}")
            await conn.read_response()
            while True:
                await conn.read_response()
        except asyncio.CancelledError:
            raise
        except (rexc.RedisError, OSError) as e:
            self._lost(_reason(e))
        finally:
            with contextlib.suppress(Exception):
                await conn.disconnect()
            with contextlib.suppress(Exception):
                await mon.aclose()

    def _lost(self, reason: str) -> None:
        with self._lock:  # the watcher (I/O thread) and the pipeline (loop) both notice
            if not self.connected:
                return
            self.connected = False
        if self.on_lost is not None:
            self.on_lost(reason)

    def _prep_close(self):
        # On the caller's (the loop's) thread: operations in flight on the
        # pipeline get their replies first (at most operation_timeout).
        pipe = self._pipe
        if pipe is not None and self.is_open:
            pipe.close(self.op_timeout)
        return super()._prep_close()

    async def _do_close(self) -> OperationResult:
        self.connected = False
        if self._monitor is not None:
            self._monitor.cancel()
            with contextlib.suppress(BaseException):
                await self._monitor
            self._monitor = None
        client, self._client = self._client, None
        if client is not None:
            await _close_client(client)
        if self.on_lost is not None:
            self.on_lost("Client disconnected")
        return OperationResult(ReturnCode.SUCCESS)

    # ----------------------------------------------------------- operations

    def _set_args(self, key, value, overwrite, expire_at, now) -> list:
        args = ["SET", self._prefix + key, value]
        if not overwrite:
            args.append("NX")
        if expire_at > 0:
            args += ["PXAT", _pxat(expire_at, now)]
        return args

    # The commands of the pipeline, encoded (the common forms straight from a template).

    def _set_command(self, key, value, overwrite, expire_at, now) -> bytes:
        if overwrite and expire_at <= 0:
            key = self._prefix + key
            return _SET % (len(key), key, len(value), value)
        return encode(self._set_args(key, value, overwrite, expire_at, now))

    def _get_command(self, key) -> bytes:
        key = self._prefix + key
        return _GET % (len(key), key)

    def _del_command(self, key) -> bytes:
        key = self._prefix + key
        return _DEL % (len(key), key)

    def _put_result(self, r) -> OperationResult:
        if isinstance(r, Exception):
            return self._failure("put", r)
        if r is None:
            return OperationResult(ReturnCode.KEY_EXISTS)
        return OperationResult(ReturnCode.SUCCESS)

    def _get_result(self, r) -> OperationResult:
        if isinstance(r, Exception):
            return self._failure("get", r)
        if r is None:
            return OperationResult(ReturnCode.KEY_NOT_FOUND)
        return OperationResult(ReturnCode.SUCCESS, "", bytes(r))

    def _erase_result(self, r) -> OperationResult:
        if isinstance(r, Exception):
            return self._failure("erase", r)
        return OperationResult(ReturnCode.SUCCESS)

    # On the storage I/O loop (a backend used without a host: the Python API).

    async def _do_put(self, key, value, overwrite, expire_at, now) -> OperationResult:
        return await self._run(
            self._set_args(key, value, overwrite, expire_at, now), self._put_result
        )

    async def _do_get(self, key, now) -> OperationResult:
        return await self._run(["GET", self._prefix + key], self._get_result)

    async def _do_erase(self, key) -> OperationResult:
        return await self._run(["DEL", self._prefix + key], self._erase_result)

    async def _run(self, args: list, result) -> OperationResult:
        if not self.connected:
            return _not_connected()
        try:
            r = await self._command(args)
        except Exception as e:  # noqa: BLE001 - mapped to a return code
            r = e
        return result(r)

    def _command(self, args: list) -> asyncio.Future:
        """Queue a command for the connection; the future gets its reply."""
        fut = asyncio.get_running_loop().create_future()
        self._queued.append((args, fut))
        if self._sender is None:
            self._sender = asyncio.get_running_loop().create_task(self._send_queued())
        return fut

    async def _send_queued(self) -> None:
        """Send what is queued, alone or as one pipeline, until nothing is."""
        try:
            while self._queued:
                # Let the other operations started now join this round trip.
                await asyncio.sleep(0)
                batch, self._queued = self._queued, []
                client = self._client
                if client is None:
                    for _args, fut in batch:
                        if not fut.done():
                            fut.set_exception(ConnectionError("Client disconnected"))
                    continue
                try:
                    if len(batch) == 1:
                        replies = [await client.execute_command(*batch[0][0])]
                    else:
                        self.pipelines += 1
                        pipe = client.pipeline(transaction=False)
                        for args, _fut in batch:
                            pipe.execute_command(*args)
                        replies = await pipe.execute(raise_on_error=False)
                except Exception as e:  # noqa: BLE001 - every waiting operation gets it
                    for _args, fut in batch:
                        if not fut.done():
                            fut.set_exception(e)
                    continue
                for (_args, fut), r in zip(batch, replies, strict=True):
                    if fut.done():
                        continue
                    if isinstance(r, Exception):
                        fut.set_exception(r)
                    else:
                        fut.set_result(r)
        finally:
            self._sender = None

    # Twins on the pipeline (.resp): blocking ones for synchronous calls, and,
    # for a backend a script opened, asynchronous ones on the host's loop.

    def _sync_do_put(self, key, value, overwrite, expire_at, now) -> OperationResult:
        return self._call(
            self._set_command(key, value, overwrite, expire_at, now), self._put_result
        )

    def _sync_do_get(self, key, now) -> OperationResult:
        return self._call(self._get_command(key), self._get_result)

    def _sync_do_erase(self, key) -> OperationResult:
        return self._call(self._del_command(key), self._erase_result)

    def _call(self, command: bytes, result) -> OperationResult:
        if not self.connected or self._pipe is None:
            return _not_connected()
        try:
            r = self._pipe.call(command)
        except Exception as e:  # noqa: BLE001 - mapped to a return code
            r = e
        return result(r)

    def _loop_hook(self, call):
        pipe = self._pipe
        if pipe is None or self.bridge is None:
            return None
        if not pipe.attached:
            pipe.defer = self._defer
            pipe.attach(self.bridge.loop)
        op = call.op
        if op == "put":
            return self._loop_do_put
        if op == "get":
            return self._loop_do_get
        if op == "erase":
            return self._loop_do_erase
        return None

    def _defer(self, fn, *args) -> None:
        self.bridge.call_soon(fn, *args)

    def _loop_do_put(self, key, value, overwrite, expire_at, now, done) -> None:
        command = self._set_command(key, value, overwrite, expire_at, now)
        self._send(command, lambda r: done(self._put_result(r)), done)

    def _loop_do_get(self, key, now, done) -> None:
        self._send(self._get_command(key), lambda r: done(self._get_result(r)), done)

    def _loop_do_erase(self, key, done) -> None:
        self._send(self._del_command(key), lambda r: done(self._erase_result(r)), done)

    def _send(self, command: bytes, on_reply, done) -> None:
        if self.connected:
            self._pipe.send(command, on_reply)
        else:
            done(_not_connected())

    async def _do_expire(self, now: float) -> int:
        # Redis expires keys itself (PXAT).
        return 0

    def _failure(self, op: str, e: Exception) -> OperationResult:
        from redis import exceptions as rexc

        if isinstance(e, rexc.TimeoutError | TimeoutError):
            return OperationResult(ReturnCode.TIMEOUT, f"{op} operation timed out")
        if isinstance(e, rexc.ConnectionError | OSError):
            self._lost(_reason(e))
            return OperationResult(ReturnCode.CONNECTION_LOST, f"{op} operation IO error: {e}")
        return OperationResult(ReturnCode.OPERATION_FAILED, f"{op} operation failed: {e}")


def _connect_pipe(config: dict) -> RespPipe:
    """The pipelined connection to the configured server (blocking; sends AUTH)."""
    password = config.get("password")
    auth = (config.get("username") or None, password) if password else None
    where = config.get("server_unix_socket") or (config["server_host"], int(config["server_port"]))
    return RespPipe.connect(where, config["operation_timeout"], config["connect_timeout"], auth)


def _not_connected() -> OperationResult:
    return OperationResult(ReturnCode.NOT_CONNECTED, "Connection to the Redis server was lost")


def _reason(e: Exception) -> str:
    text = str(e)
    if "closed by server" in text or not text:
        return "Server closed the connection"
    return text


def _version(text: str) -> tuple[int, ...]:
    parts = []
    for p in text.split(".")[:3]:
        digits = "".join(c for c in p if c.isdigit())
        parts.append(int(digits or 0))
    return tuple(parts)


def _pxat(expire_at: float, now: float) -> int:
    """``PXAT`` (milliseconds since the epoch) for an entry expiring at network
    time ``expire_at``, put at network time ``now``.  Redis expires by its own
    clock, so the entry's lifetime ``expire_at - now`` is counted from the
    wall-clock time of the put: network time can lag behind the clock while a
    handler runs (Zeek sends network time + lifetime, the same while network
    time follows the clock)."""
    return max(int((time.time() + (expire_at - now)) * 1000), 1)


def _server_reply(exc) -> str:
    """The server's error reply of an authentication failure.  redis-py cuts
    the error code off (``WRONGPASS``, ``NOAUTH``, ``ERR``); Zeek reports the
    reply as the server sent it, so the code is put back."""
    from redis.asyncio.connection import DefaultParser

    msg = str(exc)
    for code, cls in DefaultParser.EXCEPTION_CLASSES.items():
        if isinstance(cls, dict) and msg in cls:
            return f"{code} {msg}"
    if msg == "Authentication required.":
        return f"NOAUTH {msg}"
    return f"WRONGPASS {msg}"


async def _close_client(client) -> None:
    with contextlib.suppress(Exception):
        await client.aclose()
